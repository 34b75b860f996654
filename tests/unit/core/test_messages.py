"""The message catalog (app/core/messages.py)."""

from __future__ import annotations

import pytest

from app.core.messages import CATALOG, message, subject_particle


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
