"""The page's words: the script's built-in English (static/js/text.js, shown when the
server's catalog lacks a key) and the catalog (presentation/messages/page.py) agree."""

from __future__ import annotations

import json
import re

from app.presentation.messages.page import PAGE_CATALOG
from app.web import STATIC_DIR

KEY = re.compile(r"^\s*(page_\w+):", re.MULTILINE)
# `page_x: "text"`, the text perhaps on the next line; JSON's string escapes.
PAIR = re.compile(r'(page_\w+):\s*"((?:[^"\\]|\\.)*)"')


def script_english() -> dict[str, str]:
    source = (STATIC_DIR / "js" / "text.js").read_text(encoding="utf-8")
    start = source.index("const ENGLISH = {")
    block = source[start : source.index("\n};", start)]
    pairs = {key: json.loads(f'"{text}"') for key, text in PAIR.findall(block)}
    assert sorted(pairs) == sorted(KEY.findall(block)), "a text that is not one plain string"
    return pairs


def test_every_word_the_script_knows_is_in_the_catalog_with_the_same_english() -> None:
    english = script_english()

    assert len(english) > 50
    assert [key for key in english if key not in PAGE_CATALOG] == []
    assert {key: PAGE_CATALOG[key]["en"] for key in english} == english


def test_every_catalog_word_is_used_by_the_page() -> None:
    sources = "".join(
        path.read_text(encoding="utf-8") for path in STATIC_DIR.rglob("*") if path.is_file()
    )

    assert [key for key in PAGE_CATALOG if key not in sources] == []
