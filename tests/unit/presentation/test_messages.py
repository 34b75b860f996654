"""The message catalog (app/presentation/messages/__init__.py)."""

from __future__ import annotations

from string import Formatter

import pytest

from app.presentation.messages import CATALOG, message, subject_particle


@pytest.mark.parametrize(
    ("word", "particle"),
    [
        ("테스트_크롤링", "이"),
        ("주간업데이트", "가"),
        ("수집", "이"),
        ("report", "이(가)"),
        ("", "이(가)"),
    ],
)
def test_subject_particle(word: str, particle: str) -> None:
    assert subject_particle(word) == particle


def test_seed_004_sentence_in_korean() -> None:
    assert (
        message("created", "ko", name="테스트_크롤링") == "스케줄 '테스트_크롤링'이 생성되었습니다."
    )
    assert message("created", "en", name="x") == "Schedule 'x' was created."


def test_every_message_has_both_languages() -> None:
    for key, texts in CATALOG.items():
        assert set(texts) == {"en", "ko"}, key


def placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conv in Formatter().parse(text) if field is not None}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_both_languages_take_the_same_placeholders(key: str) -> None:
    english, korean = placeholders(CATALOG[key]["en"]), placeholders(CATALOG[key]["ko"])

    # {subject} is Korean's 이/가, which message() derives from {name} itself.
    assert english - {"subject"} == korean - {"subject"}
    assert "subject" not in korean or "name" in korean, "a particle needs the name it follows"
    assert "" not in english | korean, "positional {} cannot be filled by name"


def test_every_cli_sentence_is_translated() -> None:
    cli_keys = [key for key in CATALOG if key.startswith("cli_")]

    assert len(cli_keys) >= 50
    same = [key for key in cli_keys if CATALOG[key]["ko"] == CATALOG[key]["en"]]
    assert same == ["cli_no_next_run"], "only the dash reads the same in both"


def test_cli_sentences_keep_technical_tokens() -> None:
    assert "./run_celery_beat.sh" in message("cli_beat_none", "ko")
    assert "REDIS_URL" in message("cli_redis_hint", "ko")
    assert message("cli_more", "ko", count=4) == "외 4개"
