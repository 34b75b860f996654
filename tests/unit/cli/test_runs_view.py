"""app/cli/runs_view.py: run records and stats in words and cells."""

from __future__ import annotations

import pytest

from app.cli.runs_view import (
    error_text,
    outcome_cell,
    rate_text,
    run_detail,
    seconds_text,
    stats_lines,
)
from app.cli.table import Cell
from app.schedules import RunRecord, RunStats


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (0.0, "0.00s"), (0.4213, "0.42s"), (12.34, "12.3s"), (60, "1m"), (125, "2m 5s")],
)
def test_seconds_text(seconds: float | None, text: str) -> None:
    assert seconds_text(seconds) == text


@pytest.mark.parametrize(
    ("rate", "text"), [(None, "-"), (1.0, "100%"), (0.75, "75%"), (0.6667, "66.7%"), (0.0, "0%")]
)
def test_rate_text(rate: float | None, text: str) -> None:
    assert rate_text(rate) == text


def test_error_text_is_one_bounded_line() -> None:
    assert error_text(None) == ""
    assert error_text({"type": "KeyError", "message": ""}) == "KeyError"
    assert error_text({"type": "E", "message": "a\n  b\tc"}) == "E: a b c"
    long = error_text({"type": "E", "message": "x" * 500})
    assert len(long) == len("E: ") + 200 and long.endswith("…")


@pytest.mark.parametrize(
    ("stats", "sent", "language", "cell"),
    [
        (None, False, "en", Cell("never run", ("dim",))),
        (RunStats(), True, "en", Cell("no outcome yet", ("dim",))),
        (RunStats(), True, "ko", Cell("결과 없음", ("dim",))),
        (RunStats(1, 0, 1.0, 0, "succeeded"), True, "en", Cell("succeeded", ("green",))),
        (RunStats(5, 3, 0.4, 3, "failed"), True, "en", Cell("failed ×3", ("red",))),
        (RunStats(5, 2, 0.6, 2, "timed_out"), True, "ko", Cell("시간 초과 2연속", ("red",))),
        (RunStats(1, 1, 0.0, 1, "lost"), True, "en", Cell("lost ×1", ("red",))),
    ],
)
def test_outcome_cell(stats: RunStats | None, sent: bool, language: str, cell: Cell) -> None:
    assert outcome_cell(stats, sent, language) == cell  # type: ignore[arg-type]


def test_run_detail_says_the_error_the_reason_or_the_result() -> None:
    base = RunRecord("a", "f", "t", 0.0, "succeeded", result='{"n":1}')

    assert run_detail(base, "UTC", "en") == '{"n":1}'
    failed = RunRecord("a", "f", "t", 0.0, "failed", error={"type": "E", "message": "m"})
    assert run_detail(failed, "UTC", "en") == "E: m"
    skipped = RunRecord("a", "f", "t", 0.0, "skipped", reason="min_gap")
    assert run_detail(skipped, "UTC", "en") == "min_gap: too soon after the last run ended"
    assert run_detail(skipped, "UTC", "ko") == "min_gap: 마지막 실행이 끝난 지 얼마 되지 않음"
    queued = RunRecord("a", "f", "t", 0.0, "sent", sent_at=3600.0)
    assert run_detail(queued, "Asia/Seoul", "en") == "queued since 1970-01-01 10:00:00"
    assert run_detail(queued, "Asia/Seoul", "ko") == "1970-01-01 10:00:00부터 대기 중"


def test_stats_lines_leave_out_durations_nobody_measured() -> None:
    lost_only = RunStats(1, 1, 0.0, 1, "lost")

    assert stats_lines(lost_only, "en") == [
        "Runs recorded: 1, 1 failed (success rate 0%); 1 failure(s) in a row."
    ]
