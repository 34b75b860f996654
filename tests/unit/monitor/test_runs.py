"""app/monitor/runs.py: the bounded scan behind filtered history queries, and its
cursors; the store is real (fakeredis), written through its own methods."""

from __future__ import annotations

from datetime import UTC, datetime

import fakeredis
import pytest

from app.monitor import MAX_SCAN, NoHistory, RunNotFound, RunQuery, find_runs, get_run
from app.monitor import runs as runs_module
from app.monitor.runs import parse_cursor, parse_outcomes, run_view, schedule_runs
from app.schedules import InvalidSchedule, RunRecord, ScheduleStore
from tests.unit.api.history import queue, run, store_of


@pytest.fixture
def store() -> ScheduleStore:
    return store_of(fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True))


def test_a_scan_stops_at_its_bound_and_its_cursor_continues_it(store: ScheduleStore) -> None:
    failed = run(store, "a", "failed")  # the oldest
    for _ in range(5):
        run(store, "a")
    query = RunQuery(outcomes=frozenset({"failed"}))

    first = find_runs(store, query, limit=1, max_scan=3)

    assert (first.runs, first.scanned) == ([], 3)
    [third] = store.runs("a", 1, before=store.runs("a", 2)[1].id)
    assert first.next_cursor == third.id
    second = find_runs(store, query, limit=1, cursor=first.next_cursor, max_scan=3)
    assert [r.task_id for r in second.runs] == [failed]
    assert (second.scanned, second.next_cursor) == (3, None)


def test_a_filter_reads_on_page_after_page(
    store: ScheduleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs_module, "SCAN_PAGE", 2)
    wanted = [run(store, "a", "failed" if i in (0, 4) else "succeeded") for i in range(7)]
    reads: list[int] = []
    original = store.recent_runs

    def counted(limit: int, before: str | None = None, since: float | None = None) -> list:
        reads.append(limit)
        return original(limit, before, since)

    monkeypatch.setattr(store, "recent_runs", counted)

    page = find_runs(store, RunQuery(outcomes=frozenset({"failed"})), limit=5)

    assert [r.task_id for r in page.runs] == [wanted[4], wanted[0]]
    assert (page.next_cursor, page.scanned) == (None, 7)
    assert reads == [2, 2, 2, 2], "pages of SCAN_PAGE until the stream ended"


def test_the_default_bound_is_ten_thousand() -> None:
    assert MAX_SCAN == 10_000


def test_since_stops_a_schedule_s_scan_at_the_first_older_record(store: ScheduleStore) -> None:
    run(store, "a")
    [old] = store.runs("a", 1)
    assert old.id is not None
    written = int(old.id.split("-")[0]) / 1000
    after = datetime.fromtimestamp(written + 0.0005, UTC)  # within the next millisecond
    page = find_runs(store, RunQuery(since=after, schedule="a"), limit=10)
    assert (page.runs, page.next_cursor) == ([], None)
    at = datetime.fromtimestamp(written, UTC)
    assert len(find_runs(store, RunQuery(since=at, schedule="a"), limit=10).runs) == 1


def test_schedule_runs_put_fires_in_progress_first_up_to_the_limit(
    store: ScheduleStore,
) -> None:
    done = [run(store, "a") for _ in range(2)]
    live = [queue(store, "a") for _ in range(2)]

    page = schedule_runs(store, "a", limit=2)

    assert [r.task_id for r in page.runs] == [*reversed(live), *reversed(done)]
    assert page.next_cursor is None
    first = schedule_runs(store, "a", limit=1)
    assert [r.task_id for r in first.runs] == [live[1], done[1]], "live ones capped too"
    rest = schedule_runs(store, "a", limit=1, cursor=first.next_cursor)
    assert ([r.task_id for r in rest.runs], rest.next_cursor) == ([done[0]], None)


def test_no_history_and_no_schedule_is_no_history(store: ScheduleStore) -> None:
    with pytest.raises(NoHistory):
        schedule_runs(store, "ghost", 10)
    with pytest.raises(NoHistory):
        schedule_runs(store, "ghost", 10, cursor="5-0")
    with pytest.raises(RunNotFound):
        get_run(store, "nope")


@pytest.mark.parametrize(
    "cursor",
    ["", "-", "1", "1-", "a-1", " 1-1", "18446744073709551616-0", "0-18446744073709551616"],
)
def test_cursors_this_api_never_returns_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidSchedule) as refused:
        parse_cursor(cursor)
    assert refused.value.problems[0].field == "cursor"


def test_cursor_bounds() -> None:
    assert parse_cursor("18446744073709551615-18446744073709551615") == (2**64 - 1, 2**64 - 1)
    assert parse_cursor("0-0") == (0, 0)


def test_outcomes_parse_as_a_comma_list() -> None:
    assert parse_outcomes(None) is None
    assert parse_outcomes("failed, lost,failed") == frozenset({"failed", "lost"})
    with pytest.raises(InvalidSchedule):
        parse_outcomes("failed,")


def test_a_run_says_how_long_ago_its_latest_moment_was() -> None:
    now = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    due = now.timestamp() - 600
    done = RunRecord(
        "a", "f", "t", due, "succeeded", sent_at=due, started_at=due + 1, finished_at=due + 420
    )
    queued = RunRecord("a", "f", "t", due, "sent", sent_at=due)

    assert run_view(done, "en", now)["age"] == "3 min ago"
    assert run_view(done, "ko", now)["age"] == "3분 전"
    assert run_view(queued, "en", now)["age"] == "10 min ago"
