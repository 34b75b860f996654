"""Run history as the API (and any other reader) asks for it: pages of records, newest
first, with cursors, filters and a bounded scan; one run by its task id.

Records come from the store's streams (`ScheduleStore.runs`, `recent_runs`), whose ids
are the cursors: a cursor is the stream id of the last record a page returned, and the
next page starts just below it. A record's stream time (`recorded_at`) is when it was
written: when its attempt ended, or when its fire was skipped or missed. The
`since`/`until` filters use that time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core.config import Language
from app.presentation import relative_in_words
from app.schedules import (
    IN_PROGRESS,
    OUTCOMES,
    RunRecord,
    ScheduleNotFound,
    ScheduleStore,
    invalid,
)

MAX_LIMIT = 1000
# Records a filtered query reads at most; its next_cursor continues after them.
MAX_SCAN = 10_000
# Records read per round trip while a filter looks for matches.
SCAN_PAGE = 500
# Outcomes a stored record can have (fires in progress are not in the streams).
HISTORY_OUTCOMES: tuple[str, ...] = tuple(o for o in OUTCOMES if o not in IN_PROGRESS)
UINT64 = 2**64 - 1
CURSOR_PATTERN = r"^[0-9]{1,20}-[0-9]{1,20}$"
_CURSOR = re.compile(CURSOR_PATTERN)

StreamId = tuple[int, int]
# (how many, exclusive upper stream id or None) -> records, newest first.
Fetch = Callable[[int, str | None], list[RunRecord]]


class RunNotFound(Exception):
    """No run with this task id is in progress or kept in the history."""

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        super().__init__(f"no run with task id {task_id!r} is in progress or kept")


class NoHistory(ScheduleNotFound):
    """The schedule does not exist and no record of it is kept."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.args = (f"no schedule named {name!r} and no run history kept for it",)


@dataclass(frozen=True)
class RunQuery:
    """Filters on history. `since` is inclusive and `until` exclusive, both on the
    time a record was written (its stream id); both timezone-aware."""

    outcomes: frozenset[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    schedule: str | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise invalid("until", self.until.isoformat(), "must be later than since")


@dataclass(frozen=True)
class RunPage:
    runs: list[RunRecord]
    next_cursor: str | None
    # Stored records read to answer (fires in progress not counted).
    scanned: int = 0


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid("limit", limit, f"must be between 1 and {MAX_LIMIT}")
    return limit


def parse_cursor(text: str) -> StreamId:
    """A cursor this API returned: a stream id `<ms>-<seq>`, each part an unsigned
    64-bit number."""
    match = _CURSOR.fullmatch(text)
    ms, seq = (int(p) for p in text.split("-")) if match else (-1, -1)
    if not 0 <= ms <= UINT64 or not 0 <= seq <= UINT64:
        raise invalid("cursor", text, "is not a cursor this API returned (e.g. 1767225600000-0)")
    return ms, seq


def parse_outcomes(text: str | None) -> frozenset[str] | None:
    """`failed,timed_out`: outcomes a stored record can have, comma-separated."""
    if text is None:
        return None
    items = [item.strip() for item in text.split(",")]
    for item in items:
        if item in IN_PROGRESS:
            raise invalid(
                "outcome",
                item,
                "fires in progress are not in the history; "
                "GET /api/scheduler/schedule/{name}/runs lists them first",
            )
        if item not in HISTORY_OUTCOMES:
            raise invalid("outcome", item, f"must be one of {', '.join(HISTORY_OUTCOMES)}")
    return frozenset(items)


def aware(moment: datetime | None, timezone: str) -> datetime | None:
    """A time without an offset is read in `timezone` (the scheduler's default)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(timezone))


def stream_ms(record_id: str | None) -> int | None:
    if not record_id:
        return None
    return int(record_id.split("-", 1)[0])


def recorded_at(record: RunRecord) -> float | None:
    """When a stored record was written (epoch seconds); None for a fire in progress."""
    ms = stream_ms(record.id)
    return None if ms is None else ms / 1000


def run_view(
    record: RunRecord, language: Language = "en", now: datetime | None = None
) -> dict[str, Any]:
    """The public shape of a record: `RunRecord.as_dict()`, when it was written, and how
    long ago its latest moment was (finished, else started, sent or due) in words."""
    written = recorded_at(record)
    when = None if written is None else datetime.fromtimestamp(written, UTC)
    latest = record.finished_at or record.started_at or record.sent_at or record.scheduled_at
    moment = (now or datetime.now(UTC)).timestamp()
    return {
        **record.as_dict(),
        "recorded_at": None if when is None else when.isoformat().replace("+00:00", "Z"),
        "age": None if latest is None else relative_in_words(latest - moment, language),
    }


def _ms_ceil(moment: datetime) -> int:
    return max(0, math.ceil(moment.timestamp() * 1000))


def _start(cursor: StreamId | None, until: datetime | None) -> StreamId | None:
    """The exclusive upper bound of a page: the cursor, or `until`, whichever is lower."""
    bounds = [cursor] if cursor is not None else []
    if until is not None:
        bounds.append((_ms_ceil(until), 0))
    return min(bounds) if bounds else None


def _scan(
    fetch: Fetch,
    limit: int,
    start: StreamId | None,
    query: RunQuery,
    max_scan: int = MAX_SCAN,
) -> RunPage:
    """Up to `limit` records matching `query`, newest first, reading at most `max_scan`.

    One record past the last one taken is read as well, so `next_cursor` is null
    exactly when nothing older remains in range.
    """
    if start == (0, 0):  # nothing lies below the first possible id
        return RunPage([], None)
    before = None if start is None else f"{start[0]}-{start[1]}"
    floor = None if query.since is None else _ms_ceil(query.since)
    page = SCAN_PAGE if query.outcomes else limit + 1
    found: list[RunRecord] = []
    scanned = 0
    while True:
        size = min(page, max_scan - scanned + 1)
        rows = fetch(size, before)
        for rec in rows:
            ms = stream_ms(rec.id)
            if floor is not None and ms is not None and ms < floor:
                return RunPage(found, None, scanned)
            if len(found) == limit or scanned == max_scan:
                return RunPage(found, before, scanned)  # more lie below `before`
            scanned += 1
            before = rec.id
            if query.outcomes is None or rec.outcome in query.outcomes:
                found.append(rec)
        if len(rows) < size:
            return RunPage(found, None, scanned)


def schedule_runs(
    store: ScheduleStore, name: str, limit: int, cursor: str | None = None
) -> RunPage:
    """A schedule's history, newest first. The first page (no cursor) starts with its
    fires still queued or running (up to `limit` of them), in addition to `limit`
    stored records. A deleted
    schedule's history stays readable while it is kept; NoHistory when there is none
    and no such schedule."""
    check_limit(limit)
    start = parse_cursor(cursor) if cursor is not None else None
    live = store.in_progress(name, limit) if start is None else []
    page = _scan(lambda n, b: store.runs(name, n, b), limit, start, RunQuery())
    if not live and not page.runs and store.get(name) is None:
        if start is None or not store.runs(name, 1):
            raise NoHistory(name)
    return RunPage(live + page.runs, page.next_cursor, page.scanned)


def find_runs(
    store: ScheduleStore,
    query: RunQuery,
    limit: int,
    cursor: str | None = None,
    max_scan: int = MAX_SCAN,
) -> RunPage:
    """Stored records across schedules (or of `query.schedule`), newest first.

    Reads the capped stream across schedules, or the schedule's own stream when the
    query names one. With an outcome filter it reads on in pages until `limit`
    records match or `max_scan` were read; `next_cursor` then continues the scan.
    """
    check_limit(limit)
    start = _start(parse_cursor(cursor) if cursor is not None else None, query.until)
    fetch: Fetch
    if query.schedule is not None:
        name = query.schedule
        fetch = lambda n, b: store.runs(name, n, b)  # noqa: E731
    else:
        since = query.since.timestamp() if query.since is not None else None
        bottom = since if since is not None and since > 0 else None
        fetch = lambda n, b: store.recent_runs(n, b, bottom)  # noqa: E731
    return _scan(fetch, limit, start, query, max_scan)


def get_run(store: ScheduleStore, task_id: str) -> RunRecord:
    """The run with Celery task id `task_id`: in progress, or its final record."""
    record = store.run_by_task(task_id)
    if record is None:
        raise RunNotFound(task_id)
    return record
