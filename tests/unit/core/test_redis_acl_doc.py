"""docs/security.md prints the ACL rules each component needs; app/core/redis_acl.py
holds them and the integration test proves them. This keeps the two from drifting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.redis_acl import COMPONENTS, acl_rules

SECURITY_DOC = Path(__file__).resolve().parents[3] / "docs" / "security.md"
# The page's columns: which components each table row speaks for.
ROW_FOR = {"api": "API, CLI", "cli": "API, CLI", "beat": "Beat", "worker": "worker"}


def _section() -> str:
    text = SECURITY_DOC.read_text(encoding="utf-8")
    start = text.index("### One ACL user per component")
    return text[start : text.index("\n## ", start)]


def _common_block(section: str) -> set[str]:
    block = section.split("```", 2)[1]
    return set(block.split())


def _row(section: str, label: str) -> set[str]:
    for line in section.splitlines():
        # Cells split at the table's pipes, not at the escaped ones inside `xgroup\|create`.
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if cells and cells[0] == label:
            return {
                rule
                for cell in cells[1:]
                for rule in re.findall(r"`([^`]*)`", cell.replace("\\|", "|"))
                for rule in rule.split()
            }
    raise AssertionError(f"no row for {label!r} in the ACL table")


def _printed(rule: str) -> str:
    # The priority queue's separator is printed as the escapes redis-cli takes.
    return rule.replace("\x06\x16", "\\x06\\x16")


@pytest.mark.parametrize("component", COMPONENTS)
def test_the_page_prints_exactly_the_rules_of_each_component(component: str) -> None:
    section = _section()
    printed = _common_block(section) | _row(section, ROW_FOR[component])
    wanted = {_printed(rule) for rule in acl_rules(component)}  # type: ignore[arg-type]
    assert wanted - printed == set(), "rules the page leaves out"
    # Whatever the common block and the row print beyond the rules is a rule of another
    # component's row, never one that no component has.
    every = {_printed(rule) for c in COMPONENTS for rule in acl_rules(c)}  # type: ignore[arg-type]
    assert printed - wanted - every == set(), "rules the page prints that no component has"
    assert _common_block(section) <= wanted, "a common rule this component does not have"
