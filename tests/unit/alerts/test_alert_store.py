"""app/schedules/store/_alerts.py over fakeredis with Lua: the queue of alerts (once
per event, within the rate limit), the rules' group over history; take-overs on a real
redis-server too (the embedded one is 6.2, whose XCLAIM differs from fakeredis's)."""

from __future__ import annotations

import time

import fakeredis
import pytest

from app.core.celery_app import celery_app
from app.core.constants import (
    ALERT_COUNTS_KEY,
    ALERT_DELIVERY_GROUP,
    ALERT_RULES_GROUP,
    ALERTS_STREAM_KEY,
    HISTORY_ALL_KEY,
)
from app.schedules import (
    DUPLICATE,
    QUEUED,
    SUPPRESSED,
    RateLimit,
    RunRecord,
    ScheduleStore,
    stream_order,
)
from tests.unit.alerts.streams import queued_alerts, settled

LIMIT = RateLimit(3, 60)


@pytest.fixture
def both(store_on_both: ScheduleStore) -> ScheduleStore:
    """A store with its groups made, on fakeredis and on a real redis-server in turn."""
    store_on_both.alerts.ensure_groups()
    return store_on_both


def pending(store: ScheduleStore, stream: str, group: str) -> int:
    return int(store.redis.xpending(stream, group)["pending"])


def finished(store: ScheduleStore, name: str, task_id: str, outcome: str = "failed") -> RunRecord:
    now = time.time()
    rec = RunRecord(name, f"f-{task_id}", "t", now - 2, outcome, task_id=task_id)  # type: ignore[arg-type]
    rec.started_at, rec.finished_at = now - 1, now
    store.finish_run(task_id, rec, "")
    return rec


def test_an_event_is_queued_once_however_often_it_is_raised(store: ScheduleStore) -> None:
    alerts = store.alerts
    assert alerts.enqueue("run_failed:t1", "a", "run_failed", '{"n": 1}', LIMIT) == QUEUED
    assert alerts.enqueue("run_failed:t1", "a", "run_failed", '{"n": 2}', LIMIT) == DUPLICATE
    assert queued_alerts(store.redis) == [('{"n": 1}', 0)]
    assert store.metric_counts().alerts == {"queued:run_failed": 1}


def test_past_the_rate_limit_alerts_are_held_back_and_the_next_one_says_how_many(
    store: ScheduleStore, client: fakeredis.FakeRedis
) -> None:
    alerts = store.alerts
    results = [alerts.enqueue(f"e{i}", "a", "run_failed", f"{i}", LIMIT) for i in range(5)]
    assert results == [QUEUED] * 3 + [SUPPRESSED] * 2
    # Another schedule has a limit of its own.
    assert alerts.enqueue("other", "b", "missed", "b", LIMIT) == QUEUED
    assert store.metric_counts().alerts == {
        "queued:run_failed": 3,
        "suppressed:run_failed": 2,
        "queued:missed": 1,
    }
    # The window ends (its key expires): the next alert carries the held-back count once.
    client.delete("batchsched:alert-rate:a")
    assert alerts.enqueue("e5", "a", "run_failed", "5", LIMIT) == QUEUED
    assert alerts.enqueue("e6", "a", "run_failed", "6", LIMIT) == QUEUED
    latest = dict(queued_alerts(client))
    assert (latest["5"], latest["6"], latest["0"]) == (2, 0, 0)


def test_the_rate_window_expires_by_itself(
    store: ScheduleStore, client: fakeredis.FakeRedis
) -> None:
    store.alerts.enqueue("e0", "a", "run_failed", "0", RateLimit(1, 30))
    assert 0 < client.pttl("batchsched:alert-rate:a") <= 30_000
    assert 0 < client.pttl("batchsched:alert-seen:e0") <= 2 * 86400 * 1000


def test_each_alert_goes_to_one_consumer_and_is_acknowledged(store: ScheduleStore) -> None:
    alerts = store.alerts
    for i in range(3):
        alerts.enqueue(f"e{i}", f"s{i}", "missed", f"{i}", LIMIT)
    first = alerts.read_alerts("w1", 2, 1)
    second = alerts.read_alerts("w2", 2, 1)
    assert [q.event for q in first] == ["0", "1"] and [q.event for q in second] == ["2"]
    assert alerts.read_alerts("w1", 10, 1) == []
    assert pending(store, ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP) == 3
    assert not settled(store.redis)
    alerts.ack_alerts([q.sid for q in first + second])
    assert settled(store.redis)


def test_an_alert_left_unacknowledged_is_taken_over_counting_its_deliveries(
    both: ScheduleStore,
) -> None:
    alerts = both.alerts
    alerts.enqueue("e0", "a", "missed", "0", LIMIT)
    [taken] = alerts.read_alerts("dead", 1, 1)
    assert alerts.claim_alerts("live", 60_000, 10) == []  # not idle long enough
    [claimed] = alerts.claim_alerts("live", 0, 10)
    assert (claimed.sid, claimed.deliveries) == (taken.sid, 2)


def test_taking_over_goes_past_entries_the_stream_s_cap_trimmed(both: ScheduleStore) -> None:
    """Redis 6.2 answers XCLAIM with nil for a pending id whose entry was trimmed, and
    keeps it pending: unacknowledged, the same dead ids would fill every take-over."""
    alerts, redis = both.alerts, both.redis
    for i in range(25):
        alerts.enqueue(f"e{i}", f"s{i}", "missed", f"{i}", LIMIT)
    assert len(alerts.read_alerts("dead", 25, 1)) == 25
    assert redis.xtrim(ALERTS_STREAM_KEY, maxlen=3, approximate=False) == 22
    first = alerts.claim_alerts("live", 0, 20)  # 20 trimmed ones
    second = alerts.claim_alerts("live", 0, 20)
    assert [q.event for q in first + second] == ["22", "23", "24"]
    assert pending(both, ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP) == 3  # the dead ones acked

    written = [finished(both, "a", f"t{i}") for i in range(4)]
    assert len(alerts.read_records("dead", 10, 1).ids) == 4
    redis.xtrim(HISTORY_ALL_KEY, maxlen=1, approximate=False)
    claimed = alerts.claim_records("live", 0, 10)
    assert [r.task_id for r in claimed.records] == [written[-1].task_id]
    assert claimed.ids == [claimed.records[0].id]
    alerts.ack_records(claimed.ids)
    assert pending(both, HISTORY_ALL_KEY, ALERT_RULES_GROUP) == 0


def test_an_entry_another_consumer_took_over_first_is_left_to_it(
    both: ScheduleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts, redis = both.alerts, both.redis
    alerts.enqueue("e0", "a", "missed", "0", LIMIT)
    [taken] = alerts.read_alerts("dead", 1, 1)
    redis.xclaim(ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP, "dead", 0, [taken.sid], idle=60_000)
    xclaim = redis.xclaim

    def beaten(stream: str, group: str, consumer: str, idle: int, ids: list[str]) -> object:
        xclaim(stream, group, "quicker", 0, ids)  # between our XPENDING and XCLAIM
        return xclaim(stream, group, consumer, idle, ids)

    monkeypatch.setattr(redis, "xclaim", beaten)
    assert alerts.claim_alerts("slower", 30_000, 10) == []
    [entry] = redis.xpending_range(ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP, "-", "+", 10)
    assert (entry["message_id"], entry["consumer"]) == (taken.sid, "quicker")  # not acked


@pytest.mark.parametrize(
    ("earlier", "later"),
    [("1-0", "1-1"), ("9-5", "10-0"), (None, "0-1"), ("1767225600000-9", "1767225600001-0")],
)
def test_stream_ids_sort_as_redis_orders_them(earlier: str | None, later: str) -> None:
    assert stream_order(earlier) < stream_order(later)


def test_the_rules_read_every_history_record_once_across_consumers(store: ScheduleStore) -> None:
    alerts = store.alerts
    written = [finished(store, "a", f"t{i}") for i in range(3)]
    one = alerts.read_records("w1", 2, 1)
    two = alerts.read_records("w2", 2, 1)
    assert [r.task_id for r in one.records + two.records] == [r.task_id for r in written]
    assert one.records[0].id == one.ids[0]  # records carry their stream id
    assert pending(store, HISTORY_ALL_KEY, ALERT_RULES_GROUP) == 3
    alerts.ack_records(one.ids)
    [left] = alerts.claim_records("w1", 0, 10).records
    assert left.task_id == "t2"


def test_an_unreadable_record_is_skipped_but_acknowledged(
    store: ScheduleStore, client: fakeredis.FakeRedis
) -> None:
    client.xadd(HISTORY_ALL_KEY, {"r": "not json"})
    finished(store, "a", "t1")
    batch = store.alerts.read_records("w1", 10, 1)
    assert len(batch.ids) == 2 and [r.task_id for r in batch.records] == ["t1"]


def test_the_rules_start_from_recent_history_and_survive_the_stream_being_deleted(
    client: fakeredis.FakeRedis,
) -> None:
    store = ScheduleStore(client, celery_app, "Asia/Seoul")
    old = f"{int((time.time() - 3600) * 1000)}-0"
    client.xadd(HISTORY_ALL_KEY, {"r": RunRecord("a", "f", "t", 0, "failed").to_json()}, id=old)
    finished(store, "a", "recent")
    store.alerts.ensure_groups()  # first start: an hour-old record is not alerted on
    assert [r.task_id for r in store.alerts.read_records("w", 10, 1).records] == ["recent"]
    client.delete(HISTORY_ALL_KEY)  # its group goes with it
    finished(store, "a", "after")
    assert [r.task_id for r in store.alerts.read_records("w", 10, 1).records] == ["after"]


def test_runs_in_progress_and_whose_turn_it_is_to_scan(store: ScheduleStore) -> None:
    now = time.time()
    rec = RunRecord("a", "f", "t", now, "running", task_id="t1", started_at=now - 5)
    assert store.register_run(rec, "allow", "", now + 60, now) is None
    gone = RunRecord("a", "f2", "t", now, "running", task_id="t2", started_at=now - 5)
    assert store.register_run(gone, "allow", "", now - 1, now) is None  # lease ran out
    assert [r.task_id for r in store.alerts.running_records(now, 10)] == ["t1"]
    assert store.alerts.take_scan_turn("w1", 10)
    assert not store.alerts.take_scan_turn("w2", 10)


def test_counters_for_metrics(store: ScheduleStore, client: fakeredis.FakeRedis) -> None:
    store.alerts.count("delivered", "missed")
    store.alerts.count("retried", "missed", 3)
    assert client.hgetall(ALERT_COUNTS_KEY) == {"delivered:missed": "1", "retried:missed": "3"}
    assert store.metric_counts().alerts == {"delivered:missed": 1, "retried:missed": 3}


def test_idle_consumers_with_nothing_pending_are_forgotten(
    store: ScheduleStore, client: fakeredis.FakeRedis
) -> None:
    store.alerts.enqueue("e0", "a", "missed", "0", LIMIT)
    store.alerts.read_alerts("busy", 1, 1)
    store.alerts.read_alerts("idle", 1, 1)
    store.alerts.forget_idle_consumers(0)
    names = [c["name"] for c in client.xinfo_consumers(ALERTS_STREAM_KEY, "alert-delivery")]
    assert names == ["busy"]
