"""commit_fires queues a fire's message in the same script call that records it sent.

A Beat killed between a commit and a publish would leave fires recorded sent that no
worker ever sees, each holding its schedule in progress until its lease runs out; so
the message goes with the commit, pushed only for the steps coded SEND. On fakeredis
and on a real redis-server alike.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from app.schedules.entry import encode_meta, encode_slot
from app.schedules.keys import entry_key
from app.schedules.runs import RunRecord
from app.schedules.spec import parse_spec
from app.schedules.store import (
    NOT_APPLIED,
    SEND,
    SKIPPED,
    FireArgs,
    HistoryLimits,
    ScheduleStore,
)
from tests.unit.beat.fakes import Commit

TASK = "app.tasks.scheduler.crawl_all_complexes"
QUEUE = "celery"
# A priority list, as kombu's Redis transport names it.
PRIORITY_QUEUE = "reports\x06\x163"


@pytest.fixture
def store(store_on_both: ScheduleStore) -> ScheduleStore:
    store_on_both.history_limits = HistoryLimits(14 * 86400, 5, 8, 3600.0)
    store_on_both.beats.claim("me", "me", "{}", 30)
    return store_on_both


def step(store: ScheduleStore, name: str, slot: float, now: float, revision: str = "") -> Commit:
    entry = store.get(name)
    assert entry is not None
    task_id = f"{name}-{slot}"
    rec = RunRecord(name, f"fire-{slot}", TASK, slot, "sent", task_id=task_id, sent_at=now)
    sent = datetime.fromtimestamp(now, UTC)
    return Commit(
        entry_key(name),
        revision or entry.revision,
        slot + 60,
        encode_meta(sent, entry.total_run_count + 1),
        encode_slot(datetime.fromtimestamp(slot, UTC), sent),
        FireArgs("skip", name, task_id, now + 3600.0, 0.0, "", rec.to_json()),
    )


def add(store: ScheduleStore, *names: str) -> None:
    for name in names:
        store.save(name, parse_spec({"task": TASK, "interval": 60}))


def queued(store: ScheduleStore, key: str) -> list[str]:
    """The list as a worker pops it (BRPOP: oldest first)."""
    return list(reversed(store.redis.lrange(key, 0, -1)))


def test_a_sent_fires_message_is_queued_when_commit_fires_returns(store: ScheduleStore) -> None:
    add(store, "a", "b", "c", "d")
    now = time.time()
    slot = now - 1
    steps = [step(store, name, slot, now) for name in ("a", "b", "c", "d")]
    # "c" goes through send_task after the commit (no message built): nothing pushed.
    messages = [(QUEUE, "msg-a"), (PRIORITY_QUEUE, "msg-b"), None, (QUEUE, "msg-d")]
    assert store.commit_fires("me", steps, now, messages) == [SEND] * 4
    assert queued(store, QUEUE) == ["msg-a", "msg-d"]  # in step order
    assert queued(store, PRIORITY_QUEUE) == ["msg-b"]
    # The same slot again is not applied (served already): nothing pushed twice.
    again = [step(store, "a", slot, now + 1)]
    assert store.commit_fires("me", again, now + 1, [(QUEUE, "msg-a2")]) == [NOT_APPLIED]
    assert queued(store, QUEUE) == ["msg-a", "msg-d"]


def test_a_commit_without_the_lock_queues_nothing(store: ScheduleStore) -> None:
    add(store, "a")
    now = time.time()
    steps = [step(store, "a", now - 1, now)]
    assert store.commit_fires("not-me", steps, now, [(QUEUE, "msg")]) is None
    assert store.redis.exists(QUEUE) == 0


def test_steps_not_applied_or_skipped_queue_nothing(store: ScheduleStore) -> None:
    add(store, "edited", "busy")
    now = time.time()
    stale = step(store, "edited", now - 1, now, revision="0" * 40)  # edited since read
    first = step(store, "busy", now - 61, now)
    assert store.commit_fires("me", [first], now, [(QUEUE, "first")]) == [SEND]
    # "busy" is still in progress (overlap skip): its next slot is skipped, not queued.
    second = step(store, "busy", now - 1, now)
    codes = store.commit_fires("me", [stale, second], now, [(QUEUE, "x"), (QUEUE, "y")])
    assert codes == [NOT_APPLIED, SKIPPED]
    assert queued(store, QUEUE) == ["first"]


def test_an_entry_whose_hash_is_gone_leaves_the_due_and_name_indexes_together(
    store: ScheduleStore,
) -> None:
    """Otherwise the name index would hold one member more than the due index, and the
    next list would rebuild it whole."""
    from app.core.constants import NAMES_KEY, REDBEAT_SCHEDULE_KEY

    add(store, "kept", "gone")
    key = entry_key("gone")
    store.redis.delete(key)  # as RedBeat's own delete() or a DEL leaves it
    now = time.time()
    gone = Commit(key, "", -1.0, "", "", None)
    store.commit_fires("me", [gone], now)
    assert store.redis.zscore(REDBEAT_SCHEDULE_KEY, key) is None
    assert store.redis.zscore(NAMES_KEY, key) is None
    assert store.redis.zscore(NAMES_KEY, entry_key("kept")) == 0
