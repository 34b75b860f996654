"""app/schedules/store/_names.py: the name index that lists read a page at a time,
on fakeredis and on a real redis-server alike.

Entries written around the store (RedBeat's own `entry.save()`/`delete()`, seed 004's
third method; a Redis filled before the index existed) must still be listed: a read
that finds the index's size differing from the due index's rebuilds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from celery.schedules import schedule
from redbeat import RedBeatSchedulerEntry

from app.core.celery_app import celery_app
from app.core.constants import NAMES_KEY, REDBEAT_SCHEDULE_KEY
from app.schedules import service as service_module
from app.schedules.keys import entry_key
from app.schedules.registry import TaskRegistry
from app.schedules.service import ListFilter, ScheduleService
from app.schedules.spec import parse_spec
from app.schedules.store import ScheduleStore
from app.schedules.walk import iter_chunks

TASK = "app.tasks.scheduler.crawl_all_complexes"
OTHER_TASK = "app.tasks.maintenance.health_check"
# Korean, Latin and an escaped name (":" leads): Redis's byte order must equal Python's.
NAMES = ["주간업데이트", "b-report", "a-crawl", ":colon", "테스트_크롤링", "Z-upper", "ä-umlaut"]


@pytest.fixture
def store(store_on_both: ScheduleStore) -> ScheduleStore:
    return store_on_both


@pytest.fixture
def service(store: ScheduleStore, registry: TaskRegistry) -> ScheduleService:
    return ScheduleService(store, registry)


@pytest.fixture
def stock_save(
    store: ScheduleStore, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], RedBeatSchedulerEntry]]:
    """Save with RedBeat's own API (seed 004's third method) into the test's Redis."""
    monkeypatch.setattr(celery_app, "redbeat_redis", store.redis, raising=False)

    def save(name: str) -> RedBeatSchedulerEntry:
        entry = RedBeatSchedulerEntry(name, TASK, schedule(3600), app=celery_app)
        entry.save()
        return entry

    yield save


def put(store: ScheduleStore, *names: str, task: str = TASK) -> None:
    for name in names:
        store.save(name, parse_spec({"task": task, "interval": 3600}))


def walk_pages(service: ScheduleService, flt: ListFilter, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = service.list(flt, limit, cursor)
        pages.append([e.name for e in page.entries])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def indexed(store: ScheduleStore) -> list[str]:
    return list(store.redis.zrange(NAMES_KEY, 0, -1))


def test_save_and_delete_keep_the_index_equal_to_the_due_index(store: ScheduleStore) -> None:
    put(store, *NAMES)
    store.delete("b-report")

    due = sorted(store.redis.zrange(REDBEAT_SCHEDULE_KEY, 0, -1))
    assert indexed(store) == due == sorted(entry_key(n) for n in NAMES if n != "b-report")
    assert store.keys() == due


def test_pages_follow_name_order_from_any_cursor(
    store: ScheduleStore, service: ScheduleService
) -> None:
    put(store, *NAMES)
    in_order = [name for _key, name in sorted((entry_key(n), n) for n in NAMES)]

    pages = walk_pages(service, ListFilter(), limit=3)

    assert pages == [in_order[0:3], in_order[3:6], in_order[6:]]
    middle = service.list(ListFilter(), 2, service.list(ListFilter(), 3).next_cursor)
    assert [e.name for e in middle.entries] == in_order[3:5] and middle.total == len(NAMES)


def test_an_entry_saved_and_deleted_by_redbeat_itself_is_listed_then_gone(
    store: ScheduleStore,
    service: ScheduleService,
    stock_save: Callable[[str], RedBeatSchedulerEntry],
) -> None:
    put(store, "a-ours", "c-ours")
    stock = stock_save("b-theirs")

    page = service.list(ListFilter(), 10)
    assert [e.name for e in page.entries] == ["a-ours", "b-theirs", "c-ours"]
    assert page.entries[1].origin == "redbeat" and page.total == 3
    assert [n for chunk in iter_chunks(store) for n, _e in chunk][1] == "b-theirs"
    assert entry_key("b-theirs") in indexed(store)

    stock.delete()
    assert [e.name for e in service.list(ListFilter(), 10).entries] == ["a-ours", "c-ours"]
    assert indexed(store) == [entry_key("a-ours"), entry_key("c-ours")]


def test_an_index_missing_entirely_is_rebuilt_on_the_first_read(
    store: ScheduleStore, service: ScheduleService
) -> None:
    """A deployment upgraded from before the index: entries but no NAMES_KEY."""
    names = [f"job-{i:04d}" for i in range(1200)]  # more than one mending chunk
    put(store, *names[:3])
    with store.redis.pipeline() as pipe:
        for name in names[3:]:
            pipe.zadd(REDBEAT_SCHEDULE_KEY, {entry_key(name): 1.0})
        pipe.execute()
    store.redis.delete(NAMES_KEY)

    page = service.list(ListFilter(), 2)

    assert [e.name for e in page.entries] == names[:2] and page.total == len(names)
    assert indexed(store) == [entry_key(n) for n in names]


def test_stale_members_are_skipped_in_paging_and_dropped_by_a_rebuild(
    store: ScheduleStore, service: ScheduleService
) -> None:
    put(store, "a", "c", "e", "g")
    # Members whose entries went around the store: in the name index only. With one
    # entry saved around the store as well the sizes differ by one, then by none.
    store.redis.zadd(NAMES_KEY, {entry_key("b"): 0, entry_key("d"): 0})
    store.redis.zrem(NAMES_KEY, entry_key("g"))
    assert store.redis.zcard(NAMES_KEY) != store.count()

    assert walk_pages(service, ListFilter(), limit=2) == [["a", "c"], ["e", "g"]]
    assert indexed(store) == [entry_key(n) for n in "aceg"]

    # Equal sizes, different members: no rebuild until paging meets the stale member,
    # which it skips and drops; the sizes then differ, and the next page's read brings
    # back the member that was missing.
    store.redis.zadd(NAMES_KEY, {entry_key("b"): 0})
    store.redis.zrem(NAMES_KEY, entry_key("g"))
    assert walk_pages(service, ListFilter(), limit=1) == [["a"], ["c"], ["e"], ["g"]]
    assert indexed(store) == [entry_key(n) for n in "aceg"]
    assert store.rebuild_name_index().__dict__ == {"added": 0, "removed": 0}


def test_a_page_of_stale_members_only_moves_on_to_the_next(store: ScheduleStore) -> None:
    put(store, "a", "z")
    store.redis.zadd(NAMES_KEY, {entry_key(n): 0 for n in ("b", "c", "d")})

    page = store.entry_page(entry_key("a"), 2, check=False)

    assert (page.rows, page.last, page.more) == ([], entry_key("c"), True)
    assert [k for k, _e in store.entry_page(page.last, 2, check=False).rows] == [entry_key("z")]
    assert indexed(store) == [entry_key("a"), entry_key("z")]


def test_note_entry_keys_follows_the_due_index_not_the_notice(store: ScheduleStore) -> None:
    put(store, "kept", "dropped")
    store.redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key("foreign"): 1.0})
    store.redis.zrem(REDBEAT_SCHEDULE_KEY, entry_key("dropped"))

    # A late "removed" notice for an entry that exists again must not unindex it.
    mended = store.note_entry_keys(added=[entry_key("foreign")], removed=[entry_key("kept")])
    assert (mended.added, mended.removed) == (1, 0)
    mended = store.note_entry_keys(added=[], removed=[entry_key("dropped")])
    assert (mended.added, mended.removed) == (0, 1)
    assert indexed(store) == [entry_key("foreign"), entry_key("kept")]


def test_a_filtered_page_stops_after_its_scan_limit_and_its_cursor_goes_on(
    store: ScheduleStore, service: ScheduleService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "SCAN_LIMIT", 4)
    monkeypatch.setattr(service_module, "SCAN_CHUNK", 2)
    put(store, *(f"n{i}" for i in range(9)), task=OTHER_TASK)
    put(store, "z-match", "zz-match")
    flt = ListFilter(task=TASK)

    first = service.list(flt, 10)
    assert first.entries == [] and first.next_cursor is not None

    pages = walk_pages(service, flt, limit=10)
    assert [n for page in pages for n in page] == ["z-match", "zz-match"]
    assert len(pages) == 3  # 4 + 4 + 3 entries read


def test_iter_entries_yields_every_entry_in_name_order_a_chunk_at_a_time(
    store: ScheduleStore, stock_save: Callable[[str], RedBeatSchedulerEntry]
) -> None:
    put(store, *NAMES)
    stock_save("m-theirs")  # not indexed yet: the first chunk's read rebuilds

    chunks = list(store.iter_entries(chunk=3))

    keys = sorted([*(entry_key(n) for n in NAMES), entry_key("m-theirs")])
    assert [len(c) for c in chunks] == [3, 3, 2]
    assert [k for c in chunks for k, _e in c] == keys
    assert all(e is not None and e.key == k for c in chunks for k, e in c)
    assert list(store.walk_keys(chunk=5, first=2)) == [keys[:2], keys[2:7], keys[7:]]
