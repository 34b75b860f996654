"""Run records and stats in words and cells: the LAST OUTCOME cell of the table, the
runs table of `show` and `runs`, the figures above it. No Redis here.

Outcomes stay as stored in English (`timed_out`, as JSON and the API say them), so a
line can be searched for the word the API returns; Korean gets words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.cli.render import short_duration
from app.cli.table import Cell, Column
from app.presentation import (
    Language,
    message,
    outcome_in_words,
    reason_in_words,
    trigger_in_words,
)
from app.schedules import ERROR_OUTCOMES, RunRecord, RunStats

# Newest first; on a narrow terminal WORKER goes first, then TRIGGER and ATTEMPT, and
# DETAIL is clipped (see table.py).
RUN_COLUMNS = (
    Column("SCHEDULED"),
    Column("OUTCOME"),
    Column("TRIGGER", drop=2),
    Column("ATTEMPT", align="right", drop=3),
    Column("DURATION", align="right"),
    Column("WORKER", cap=40, drop=1, shrink=12),
    Column("DETAIL", cap=120, shrink=16),
)
# Outcomes an operator looks for with `runs --failed`: the errors, and attempts that
# failed and were retried.
FAILED_OUTCOMES = (*ERROR_OUTCOMES, "retried")
PAINT = {
    "succeeded": ("green",),
    "failed": ("red",),
    "timed_out": ("red",),
    "lost": ("red",),
    "retried": ("yellow",),
    "skipped": ("yellow",),
    "missed": ("yellow",),
}
# Longest error message shown in one line (the record keeps up to 500 characters).
ERROR_SHOWN = 200


def seconds_text(value: float | None) -> str:
    """0.4213 -> "0.42s", 12.34 -> "12.3s", 125 -> "2m 5s"; "-" when unknown."""
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}s"
    if value < 60:
        return f"{value:.1f}s"
    return short_duration(value)


def rate_text(rate: float | None) -> str:
    """0.75 -> "75%", 0.6667 -> "66.7%"; "-" when nothing ran."""
    return "-" if rate is None else f"{round(rate * 100, 1):g}%"


def epoch_text(moment: float | None, tz: str) -> str:
    """A recorded epoch time in `tz`, to the second."""
    if moment is None:
        return "-"
    local = datetime.fromtimestamp(moment, UTC).astimezone(ZoneInfo(tz))
    return local.strftime("%Y-%m-%d %H:%M:%S")


def outcome_cell(stats: RunStats | None, sent: bool, language: Language) -> Cell:
    """How the last run ended, with the failure streak: "failed ×3" in red."""
    if stats is None or stats.last_outcome is None:
        key = "cli_no_outcome" if sent else "cli_never_run"
        return Cell(message(key, language), ("dim",))
    word = outcome_in_words(stats.last_outcome, language)
    streak = stats.consecutive_failures
    if streak >= 1:
        return Cell(message("cli_outcome_streak", language, outcome=word, count=streak), ("red",))
    return Cell(word, PAINT.get(stats.last_outcome, ()))


def error_text(error: dict[str, Any] | None) -> str:
    """ "ValueError: days must be positive", on one line."""
    if not error:
        return ""
    text = " ".join(str(error.get("message") or "").split())
    if len(text) > ERROR_SHOWN:
        text = text[: ERROR_SHOWN - 1] + "…"
    kind = str(error.get("type") or "Error")
    return f"{kind}: {text}" if text else kind


def run_detail(rec: RunRecord, tz: str, language: Language) -> str:
    """What to say about one record besides its outcome: the error, why it did not run,
    where it runs, or what it returned."""
    if rec.error:
        return error_text(rec.error)
    if rec.reason:
        return reason_in_words(rec.reason, language, rec.missed_count)
    if rec.outcome == "running":
        since = epoch_text(rec.started_at, tz)
        return message("cli_detail_running", language, worker=rec.worker or "?", since=since)
    if rec.outcome == "sent":
        return message("cli_detail_queued", language, since=epoch_text(rec.sent_at, tz))
    return rec.result or ""


def run_row(rec: RunRecord, tz: str, language: Language) -> list[Cell]:
    return [
        Cell(epoch_text(rec.scheduled_at, tz)),
        Cell(outcome_in_words(rec.outcome, language), PAINT.get(rec.outcome, ())),
        Cell(trigger_in_words(rec.trigger, language)),
        Cell(str(rec.attempt)),
        Cell(seconds_text(rec.duration_seconds)),
        Cell(rec.worker or "-"),
        Cell(run_detail(rec, tz, language)),
    ]


def stats_lines(stats: RunStats, language: Language) -> list[str]:
    """`show`'s figures: counts, success rate, streak, then durations when known."""
    lines = [
        message(
            "cli_show_stats",
            language,
            runs=stats.run_count,
            errors=stats.error_count,
            rate=rate_text(stats.success_rate),
            streak=stats.consecutive_failures,
        )
    ]
    if stats.last_duration_seconds is not None or stats.avg_duration_seconds is not None:
        lines.append(
            message(
                "cli_show_durations",
                language,
                last=seconds_text(stats.last_duration_seconds),
                avg=seconds_text(stats.avg_duration_seconds),
                p95=seconds_text(stats.p95_duration_seconds),
            )
        )
    return lines


def history_counters(stats: RunStats | None) -> dict[str, Any] | None:
    """The listing's JSON: counters only (the listing reads no durations)."""
    if stats is None:
        return None
    data = stats.as_dict()
    for key in ("avg_duration_seconds", "p95_duration_seconds"):
        data.pop(key)
    return data
