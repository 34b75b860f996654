"""app/schedules/store: the store's contract, on fakeredis and on a real redis-server alike.

One suite over both backends (as APScheduler tests its data stores): fakeredis is what
the fast tests use, the real server is what runs in production, and a difference
between them (Lua, float scores, blocking timeouts) must show here first. The real
server is started once per session and flushed before every test.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from app.core.constants import (
    FIELD_DEFINITION,
    FIELD_META,
    FILE_INDEX_KEY,
    REDBEAT_LOCK_KEY,
    REDBEAT_SCHEDULE_KEY,
)
from app.schedules.entry import encode_meta, encode_slot, revision_of
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec
from app.schedules.store import APPLIED, NOT_APPLIED, Claim, FileMark, ScheduleStore
from tests.unit.beat.fakes import Commit

TZ = "Asia/Seoul"
TASK = "app.tasks.scheduler.crawl_all_complexes"
HOURLY = {"task": TASK, "interval": 3600}
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def store(store_on_both: ScheduleStore) -> ScheduleStore:
    return store_on_both


def put(store: ScheduleStore, name: str, due: datetime | float, **raw: object) -> None:
    store.save(name, parse_spec({**HOURLY, **raw}))
    score = due if isinstance(due, float) else due.timestamp()
    store.redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key(name): score})


def test_save_get_delete_round_trip(store: ScheduleStore) -> None:
    saved = store.save("주간", parse_spec(HOURLY), origin="file")

    assert store.get("주간") == saved
    assert (saved.origin, saved.total_run_count, store.count()) == ("file", 0, 1)
    assert store.keys() == [entry_key("주간")]
    deleted = store.delete("주간")
    assert deleted is not None and deleted.etag == saved.etag
    assert store.get("주간") is None and store.count() == 0


def test_due_reads_due_rows_earliest_first_and_peeks_the_next(store: ScheduleStore) -> None:
    put(store, "second", NOW - timedelta(seconds=5))
    put(store, "first", NOW - timedelta(seconds=10))
    put(store, "later", NOW + timedelta(seconds=100))
    put(store, "parked", -1.0)

    batch = store.due(NOW, 10)

    assert [(r.key, r.score) for r in batch.rows] == [
        (entry_key("first"), (NOW - timedelta(seconds=10)).timestamp()),
        (entry_key("second"), (NOW - timedelta(seconds=5)).timestamp()),
    ]
    first = batch.rows[0]
    assert first.entry is not None and first.error is None
    assert first.revision == first.entry.revision
    assert batch.next_due == (NOW + timedelta(seconds=100)).timestamp()
    assert [r.key for r in store.due(NOW, 1).rows] == [entry_key("first")]
    assert store.due(NOW + timedelta(seconds=100), 10).next_due is None


def test_due_reports_gone_and_unreadable_rows_without_raising(store: ScheduleStore) -> None:
    put(store, "broken", NOW - timedelta(seconds=2))
    store.redis.hset(entry_key("broken"), FIELD_DEFINITION, "{garbage")
    store.redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key("gone"): NOW.timestamp() - 1})

    broken, gone = store.due(NOW, 10).rows

    assert broken.entry is None and broken.error is not None
    manager = store.redis.hget(entry_key("broken"), "manager")
    assert isinstance(manager, str)
    assert broken.revision == revision_of("{garbage", manager)
    assert (gone.key, gone.entry, gone.error, gone.revision) == (entry_key("gone"), None, None, "")


def test_commit_fires_records_the_run_and_the_next_due_time(store: ScheduleStore) -> None:
    put(store, "a", NOW - timedelta(seconds=1))
    put(store, "b", NOW - timedelta(seconds=1))
    store.beats.claim("me", "me", "{}", 30)
    a, b = store.due(NOW, 10).rows
    nxt = (NOW + timedelta(hours=1)).timestamp()

    applied = store.commit_fires(
        "me",
        [Commit(a.key, a.revision, nxt, encode_meta(NOW, 1)), Commit(b.key, b.revision, nxt)],
        NOW.timestamp(),
    )

    assert applied == [APPLIED, APPLIED]
    fired, untouched = store.get("a"), store.get("b")
    assert fired is not None and untouched is not None
    assert (fired.last_run_at, fired.total_run_count) == (NOW, 1)
    assert (untouched.last_run_at, untouched.total_run_count) == (None, 0), "'' keeps run state"
    assert store.due(NOW, 10).next_due == nxt


def test_the_slot_a_fire_served_is_kept_until_run_state_is_rewritten(
    store: ScheduleStore,
) -> None:
    put(store, "a", NOW - timedelta(seconds=1))
    store.beats.claim("me", "me", "{}", 30)
    (row,) = store.due(NOW, 10).rows
    sent = NOW + timedelta(milliseconds=40)
    slot = NOW - timedelta(seconds=1)
    commit = Commit(row.key, row.revision, 0.0, encode_meta(sent, 1), encode_slot(slot, sent))

    assert store.commit_fires("me", [commit], NOW.timestamp()) == [APPLIED]
    fired = store.get("a")
    assert fired is not None and (fired.last_run_at, fired.last_slot) == (sent, slot)
    assert fired.rhythm_from == slot
    # RedBeat's own save() rewrites meta, not the slot field: the slot is then stale.
    store.redis.hset(row.key, FIELD_META, encode_meta(NOW + timedelta(hours=1), 0))
    resaved = store.get("a")
    assert resaved is not None and resaved.last_slot is None
    assert resaved.rhythm_from == NOW + timedelta(hours=1)


@pytest.mark.parametrize("holder", [None, "another-beat"])
def test_commit_fires_without_the_lock_writes_nothing(
    store: ScheduleStore, holder: str | None
) -> None:
    put(store, "a", NOW - timedelta(seconds=1))
    if holder:
        store.beats.claim(holder, holder, "{}", 30)
    [row] = store.due(NOW, 10).rows

    applied = store.commit_fires(
        "me", [Commit(row.key, row.revision, 1e10, encode_meta(NOW, 1))], NOW.timestamp()
    )

    assert applied is None
    entry = store.get("a")
    assert entry is not None and entry.total_run_count == 0
    assert store.redis.zscore(REDBEAT_SCHEDULE_KEY, row.key) == row.score
    assert store.redis.get(REDBEAT_LOCK_KEY) == holder


def test_commit_fires_skips_an_entry_edited_since_it_was_read(store: ScheduleStore) -> None:
    put(store, "a", NOW - timedelta(seconds=1))
    store.beats.claim("me", "me", "{}", 30)
    [row] = store.due(NOW, 10).rows
    store.save("a", parse_spec({**HOURLY, "args": [2]}))
    score_after_edit = store.redis.zscore(REDBEAT_SCHEDULE_KEY, row.key)

    applied = store.commit_fires(
        "me", [Commit(row.key, row.revision, 1e10, encode_meta(NOW, 1))], NOW.timestamp()
    )

    assert applied == [NOT_APPLIED]
    entry = store.get("a")
    assert entry is not None and (entry.args, entry.total_run_count) == ([2], 0)
    assert store.redis.zscore(REDBEAT_SCHEDULE_KEY, row.key) == score_after_edit


def test_commit_fires_drops_the_index_member_of_a_deleted_entry(store: ScheduleStore) -> None:
    put(store, "a", NOW - timedelta(seconds=1))
    store.beats.claim("me", "me", "{}", 30)
    [row] = store.due(NOW, 10).rows
    store.redis.delete(row.key)

    commit = Commit(row.key, row.revision, 1e10, "")
    assert store.commit_fires("me", [commit], NOW.timestamp()) == [NOT_APPLIED]
    assert store.redis.zscore(REDBEAT_SCHEDULE_KEY, row.key) is None


def test_a_write_wakes_a_waiting_beat_once(store: ScheduleStore) -> None:
    assert store.wait_for_change(0.1) is None
    before = time.time()
    store.save("a", parse_spec(HOURLY))
    store.save("b", parse_spec(HOURLY))

    written = store.wait_for_change(0.1)
    assert written is not None and before <= written <= time.time(), "when it was written"
    assert store.wait_for_change(0.1) is None, "writes between two waits wake once"


def test_an_api_delete_of_a_file_entry_leaves_a_tombstone_in_the_file_index(
    store: ScheduleStore,
) -> None:
    assert store.file_index() == {}
    store.save("a", parse_spec(HOURLY), origin="file")
    store.save("b", parse_spec(HOURLY), origin="file")
    marks = {"a": FileMark("da"), "b": FileMark("db")}
    store.redis.hset(FILE_INDEX_KEY, mapping={n: m.encode() for n, m in marks.items()})

    store.delete("a")

    assert store.file_index() == {"a": FileMark("da", deleted=True), "b": FileMark("db")}
    assert store.file_marks(["a", "gone"]) == {"a": FileMark("da", deleted=True)}


def test_drop_file_chunk_deletes_only_entries_still_file_managed(store: ScheduleStore) -> None:
    for name in ("same", "taken_over"):
        store.save(name, parse_spec(HOURLY), origin="file")
    store.redis.hset(FILE_INDEX_KEY, mapping={"same": "d1", "taken_over": "d2", "hollow": "d3"})
    # The API re-created it: no longer the file's to drop.
    store.delete("taken_over")
    store.save("taken_over", parse_spec(HOURLY), origin="api")

    dropped = store.drop_file_chunk(["same", "taken_over", "hollow"])

    assert [e.name for e in dropped] == ["same"]
    assert sorted(store.get_many(["same", "taken_over"])) == ["taken_over"]
    assert store.keys() == [entry_key("taken_over")]  # the name index lost "same" too
    assert store.file_index() == {}  # every name given is forgotten by the file


def test_sync_state_round_trip(store: ScheduleStore) -> None:
    assert store.read_sync_state() is None
    state = {"ok": False, "error": "schedules.주간.hour", "checked_at": NOW}

    store.write_sync_state(state)

    assert store.read_sync_state() == {**state, "checked_at": str(NOW)}


def test_overdue_reads_at_most_the_limit_and_counts_the_rest(store: ScheduleStore) -> None:
    for minutes in (30, 20, 10):
        put(store, f"late_{minutes}", NOW - timedelta(minutes=minutes))
    put(store, "parked", -1.0)
    put(store, "soon", NOW + timedelta(minutes=1))

    past = store.overdue(NOW - timedelta(minutes=5), limit=2)

    assert [e.name for e in past.entries] == ["late_30", "late_20"]
    assert (past.total, past.read) == (3, 2)
    store.ping()


def test_beat_lock_claim_renew_and_release(store: ScheduleStore) -> None:
    locks = store.beats

    assert locks.claim("a", "a", '{"role": "standby"}', 30) is Claim.ACQUIRED
    assert locks.claim("a", "a", '{"role": "leader"}', 30) is Claim.RENEWED
    assert locks.claim("b", "b", '{"role": "standby"}', 30) is Claim.HELD_ELSEWHERE
    records = locks.read()
    assert (records.leader, records.lock_holder) == ('{"role": "leader"}', "a")
    assert sorted(records.instances) == ['{"role": "leader"}', '{"role": "standby"}']

    locks.release("b", "b")
    assert locks.holder() == "a"
    locks.release("a", "a")
    assert locks.read() == type(records)(None, None, [])
    assert locks.claim("b", "b", "{}", 30) is Claim.ACQUIRED


def test_the_lock_expires_when_its_holder_goes_silent(store: ScheduleStore) -> None:
    store.beats.claim("a", "a", "{}", 0.05)
    deadline = time.monotonic() + 10
    while store.beats.holder() is not None:
        assert time.monotonic() < deadline, "the lock never expired"
        time.sleep(0.01)

    assert store.beats.claim("b", "b", "{}", 30) is Claim.ACQUIRED
