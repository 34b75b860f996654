"""app/presentation/times.py: every time with its zone and how far away it is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.presentation.times import (
    next_run_fields,
    next_run_sentence,
    relative_in_words,
    span_in_words,
    zone_label,
)

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("seconds", "en", "ko"),
    [
        (0, "0 s", "0초"),
        (45.9, "45 s", "45초"),
        (90, "1 min 30 s", "1분 30초"),
        (3600, "1 h", "1시간"),
        (53880, "14 h 58 min", "14시간 58분"),
        (54125, "15 h 2 min", "15시간 2분"),
        (86400 * 2 + 3600 * 5 + 59, "2 d 5 h", "2일 5시간"),
        # No "2 d 5 min": the hours between would be hidden.
        (86400 * 2 + 300, "2 d", "2일"),
        (-180, "3 min", "3분"),
    ],
)
def test_a_span_in_its_two_largest_units(seconds: float, en: str, ko: str) -> None:
    assert span_in_words(seconds, "en") == en
    assert span_in_words(seconds, "ko") == ko


@pytest.mark.parametrize(
    ("seconds", "en", "ko"),
    [
        (53880, "in 14 h 58 min", "14시간 58분 후"),
        (-180, "3 min ago", "3분 전"),
        (0.4, "now", "지금"),
    ],
)
def test_relative_to_now(seconds: float, en: str, ko: str) -> None:
    assert relative_in_words(seconds, "en") == en
    assert relative_in_words(seconds, "ko") == ko


def test_next_run_fields() -> None:
    now = datetime(2026, 12, 1, 23, 10, tzinfo=UTC)
    due = datetime(2026, 12, 2, 23, 12, tzinfo=SEOUL)  # 14:12 UTC

    assert next_run_fields(due, now) == {
        "next_run_in_seconds": 54120.0,
        "next_run_in": "in 15 h 2 min",
    }
    assert next_run_fields(None, now) == {"next_run_in_seconds": None, "next_run_in": None}


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (datetime(2026, 1, 1, tzinfo=SEOUL), "Asia/Seoul, UTC+09:00"),
        (datetime(2026, 7, 1, tzinfo=ZoneInfo("America/New_York")), "America/New_York, UTC-04:00"),
        (datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Kolkata")), "Asia/Kolkata, UTC+05:30"),
        (datetime(2026, 1, 1, tzinfo=UTC), "UTC, UTC+00:00"),
    ],
)
def test_a_zone_is_named_with_its_offset(moment: datetime, label: str) -> None:
    assert zone_label(moment) == label


def view(**fields: Any) -> dict[str, Any]:
    base = {
        "timing": {"kind": "once", "timezone": "Asia/Seoul"},
        "next_run_at": "2026-12-02T23:12:00+09:00",
        "next_run_in": "in 15 h 2 min",
    }
    return {**base, **fields}


def test_the_23_10_utc_surprise_is_spelled_out() -> None:
    # Written in host (UTC) time, two minutes ahead; read in Seoul time: 15 hours on.
    sentence = next_run_sentence(view(at="2026-12-02T23:12:00"), "Asia/Seoul")

    assert sentence == (
        "Next run: 2026-12-02 23:12:00 (Asia/Seoul, UTC+09:00), in 15 h 2 min. "
        "`at` was written without a UTC offset, so it was read in Asia/Seoul, the "
        "schedule's timezone (not this server's)."
    )


def test_an_offset_given_needs_no_warning() -> None:
    sentence = next_run_sentence(view(at="2026-12-02T14:12:00+00:00"), "Asia/Seoul", "ko")

    assert sentence == "다음 실행: 2026-12-02 23:12:00 (Asia/Seoul, UTC+09:00), in 15 h 2 min."


def test_no_next_run() -> None:
    assert next_run_sentence(view(next_run_at=None), "UTC").startswith("No next run")
