"""What happened to each fire: the run record, its outcomes, and per-schedule stats.

One record per fire: Beat writes it when it sends (or skips, or records a miss), the
worker as the run starts, retries and ends, and Beat again when a run's lease runs out
(`lost`). Times are epoch seconds in storage; the API shows them as ISO-8601.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

Outcome = Literal[
    "sent",
    "running",
    "succeeded",
    "failed",
    "retried",
    "timed_out",
    "skipped",
    "missed",
    "lost",
]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]
# Outcomes of a fire still in progress; the rest are final for their attempt.
IN_PROGRESS = ("sent", "running")
# Final outcomes that count as a run (the task was handed to a worker and ended).
RUN_OUTCOMES = ("succeeded", "failed", "timed_out", "lost")
ERROR_OUTCOMES = ("failed", "timed_out", "lost")
# What sent the fire.
Trigger = Literal["beat", "run_now"]

# Bounds on what a record carries, so one noisy task cannot bloat history.
ERROR_MESSAGE_MAX = 500
TRACEBACK_LINES = 8
TRACEBACK_MAX = 2000
RESULT_SUMMARY_MAX = 500
# Durations that stats look at: the most recent runs.
STATS_WINDOW = 100


@dataclass
class RunRecord:
    """One fire, or one attempt of it (a retried attempt is a record of its own)."""

    schedule: str
    fire_id: str
    task: str
    scheduled_at: float
    outcome: Outcome
    trigger: Trigger = "beat"
    task_id: str | None = None
    sent_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    attempt: int = 1
    worker: str | None = None
    reason: str | None = None
    error: dict[str, str] | None = None
    result: str | None = None
    # How many slots one `missed` record stands for (a long outage is one record).
    missed_count: int | None = None
    # Stream id of a stored record (also the cursor); set when read back.
    id: str | None = field(default=None, compare=False)

    @property
    def duration_seconds(self) -> float | None:
        # A lost run's end is when its lease ran out, not when it stopped.
        if self.started_at is None or self.finished_at is None or self.outcome == "lost":
            return None
        return max(0.0, self.finished_at - self.started_at)

    @property
    def lateness_seconds(self) -> float | None:
        if self.sent_at is None:
            return None
        return self.sent_at - self.scheduled_at

    def next_attempt(self, sent_at: float) -> RunRecord:
        """The same fire queued again as its next attempt (a retry, or a message handed
        back when its worker died): sent now, neither started nor ended."""
        return replace(
            self,
            outcome="sent",
            attempt=self.attempt + 1,
            sent_at=sent_at,
            started_at=None,
            finished_at=None,
            worker=None,
        )

    def to_json(self) -> str:
        # Not dataclasses.asdict: its deep copy was a third of Beat's cost per fire.
        data = {k: v for k, v in vars(self).items() if v is not None and k != "id"}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        # A lone surrogate (a file name that was not UTF-8, say) cannot be sent to
        # Redis; it is replaced rather than losing the record.
        return text.encode("utf-8", "replace").decode("utf-8")

    @classmethod
    def from_json(cls, text: str, record_id: str | None = None) -> RunRecord:
        data = json.loads(text)
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known, id=record_id)

    def as_dict(self) -> dict[str, Any]:
        """The public shape: ISO times, derived duration and lateness."""
        data = asdict(self)
        for key in ("scheduled_at", "sent_at", "started_at", "finished_at"):
            data[key] = iso(data[key])
        data["duration_seconds"] = _round(self.duration_seconds)
        data["lateness_seconds"] = _round(self.lateness_seconds)
        return data


def iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def error_of(exc: BaseException | None, traceback_text: str | None) -> dict[str, str]:
    """Type, message and the traceback's last lines, each bounded."""
    if exc is None:
        return {"type": "Unknown", "message": ""}
    message = str(exc)
    if len(message) > ERROR_MESSAGE_MAX:
        message = message[: ERROR_MESSAGE_MAX - 1] + "…"
    error = {"type": type(exc).__name__, "message": message}
    if traceback_text:
        tail = "\n".join(traceback_text.rstrip().splitlines()[-TRACEBACK_LINES:])
        error["traceback"] = tail[-TRACEBACK_MAX:]
    return error


def summarize_result(value: Any) -> str | None:
    """A bounded JSON (or repr) summary of a task's return value."""
    if value is None:
        return None
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > RESULT_SUMMARY_MAX:
        text = text[: RESULT_SUMMARY_MAX - 1] + "…"
    return text


@dataclass(frozen=True)
class RunStats:
    """Per-schedule figures: counts over all time (kept while the schedule has records),
    durations over its most recent `STATS_WINDOW` runs."""

    run_count: int = 0
    error_count: int = 0
    success_rate: float | None = None
    consecutive_failures: int = 0
    last_outcome: str | None = None
    last_finished_at: float | None = None
    last_duration_seconds: float | None = None
    avg_duration_seconds: float | None = None
    p95_duration_seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_finished_at"] = iso(self.last_finished_at)
        return data


def _float(value: str | None) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except ValueError:
        return None


def p95(values: list[float]) -> float | None:
    """Nearest-rank 95th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(0.95 * len(ordered)))
    return ordered[rank - 1]


def build_stats(counters: Mapping[str, str], recent: Iterable[RunRecord]) -> RunStats:
    """`counters`: the stats hash as stored; `recent`: the latest records, any order."""
    runs = int(counters.get("run_count") or 0)
    errors = int(counters.get("error_count") or 0)
    durations = [
        d for r in recent if r.outcome in RUN_OUTCOMES and (d := r.duration_seconds) is not None
    ][:STATS_WINDOW]
    return RunStats(
        run_count=runs,
        error_count=errors,
        success_rate=round((runs - errors) / runs, 4) if runs else None,
        consecutive_failures=int(counters.get("consecutive_failures") or 0),
        last_outcome=counters.get("last_outcome") or None,
        last_finished_at=_float(counters.get("last_finished_at")),
        last_duration_seconds=_round(_float(counters.get("last_duration"))),
        avg_duration_seconds=_round(sum(durations) / len(durations)) if durations else None,
        p95_duration_seconds=_round(p95(durations)),
    )
