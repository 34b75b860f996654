"""app/presentation/describe.py: outcomes, reasons and triggers in words."""

from __future__ import annotations

import pytest

from app.presentation import outcome_in_words, reason_in_words, trigger_in_words
from app.presentation.describe import OUTCOME_WORDS, REASON_WORDS
from app.schedules import OUTCOMES


def test_english_shows_outcomes_as_stored_and_korean_has_a_word_for_each() -> None:
    assert [outcome_in_words(o, "en") for o in OUTCOMES] == list(OUTCOMES)
    assert set(OUTCOME_WORDS["ko"]) == set(OUTCOMES)
    assert outcome_in_words("timed_out", "ko") == "시간 초과"
    assert outcome_in_words(None, "ko") == "-"
    assert outcome_in_words("someday_new", "ko") == "someday_new"


@pytest.mark.parametrize("reason", ["overlap", "min_gap", "lock_key", "paused", "catchup_window"])
def test_every_skip_reason_is_worded_in_both_languages(reason: str) -> None:
    english, korean = reason_in_words(reason, "en"), reason_in_words(reason, "ko")

    assert english and korean and english != korean
    assert set(REASON_WORDS["en"]) == set(REASON_WORDS["ko"])


def test_a_missed_record_standing_for_several_slots_says_how_many() -> None:
    assert reason_in_words("catchup_window", "en", 1) == (
        "catchup_window: too late to run when Beat came back"
    )
    assert reason_in_words("catchup_window", "en", 5).endswith(" (5 slots)")
    assert reason_in_words("catchup_window", "ko", 5).endswith(" (5회분)")
    assert reason_in_words(None) == ""
    assert reason_in_words("something else") == "something else"


def test_triggers() -> None:
    assert trigger_in_words("run_now", "en") == "run now"
    assert trigger_in_words("run_now", "ko") == "수동 실행"
    assert trigger_in_words("beat", "ko") == "Beat"
