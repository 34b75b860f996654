"""app/monitor/status.py: heartbeats, health problems, secrets, and its reads through
the store on fakeredis (and against a real Redis in tests/integration/test_cli.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import fakeredis
import pytest

from app.beat.leadership import Leadership
from app.core.celery_app import celery_app
from app.core.constants import BEAT_INSTANCES_KEY, REDBEAT_SCHEDULE_KEY
from app.monitor.status import (
    BeatInstance,
    BeatStatus,
    FailingReport,
    Overdue,
    OverdueReport,
    SystemStatus,
    find_overdue,
    health_problems,
    read_beat,
    read_status,
    scrub,
)
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec
from app.schedules.store import ScheduleStore

LEADER = BeatInstance("host:1:ab", "host", 1, "leader", datetime(2026, 1, 1, tzinfo=UTC))
HEALTHY = SystemStatus(
    "redis://127.0.0.1:6379/0",
    beat=BeatStatus(LEADER, "host:1:ab", (LEADER,)),
    sync={"ok": True},
    workers=["worker@host"],
    schedules=3,
)
LATE = Overdue("늦음", datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=1))


def test_a_heartbeat_is_parsed_and_a_damaged_one_does_not_break_status() -> None:
    raw = json.dumps(
        {
            "instance": "h:2:cd",
            "host": "h",
            "pid": 2,
            "role": "standby",
            "leader_since": None,
            "last_tick": "2026-01-01T00:00:00+00:00",
        }
    )

    assert BeatInstance.parse(raw) == BeatInstance(
        "h:2:cd", "h", 2, "standby", None, datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert BeatInstance.parse(None) is None
    assert BeatInstance.parse("{oops").instance == "(unreadable heartbeat)"  # type: ignore[union-attr]


def test_standbys_are_the_instances_other_than_the_leader() -> None:
    standby = BeatInstance("host:2:cd")
    beat = BeatStatus(LEADER, LEADER.instance, (LEADER, standby))

    assert beat.running and beat.standbys == [standby]
    assert BeatStatus(None, "stock-redbeat-token").running, "a stock RedBeat holds the lock"
    assert not BeatStatus(None, None, (standby,)).running, "a standby alone dispatches nothing"


def test_a_healthy_system_has_no_problems() -> None:
    assert health_problems(HEALTHY, OverdueReport(())) == []


@pytest.mark.parametrize(
    ("status", "overdue", "codes"),
    [
        (SystemStatus("u", redis_error="refused"), None, ["redis_down"]),
        (SystemStatus("u", beat=BeatStatus(None, None), sync={"ok": True}), None, ["no_beat"]),
        (
            SystemStatus("u", beat=HEALTHY.beat, sync={"ok": False, "error": "bad"}),
            None,
            ["sync_error"],
        ),
        (HEALTHY, OverdueReport((LATE,)), ["overdue"]),
        (HEALTHY, OverdueReport((), unread=5), ["overdue"]),
        (
            SystemStatus("u", beat=BeatStatus(None, None), sync={"ok": False, "error": "x"}),
            OverdueReport((LATE,)),
            ["no_beat", "sync_error", "overdue"],
        ),
        (SystemStatus("u", beat=HEALTHY.beat, sync=None), None, []),  # never synced: no error
    ],
)
def test_health_problems(
    status: SystemStatus, overdue: OverdueReport | None, codes: list[str]
) -> None:
    assert [p.code for p in health_problems(status, overdue)] == codes


def test_the_overdue_problem_counts_entries_not_read_and_names_the_read_ones() -> None:
    (problem,) = health_problems(HEALTHY, OverdueReport((LATE,), unread=2))

    assert problem.detail == {
        "count": 3,
        "entries": [
            {"name": "늦음", "due_at": "2026-01-01T00:00:00+00:00", "late_seconds": 3600.0}
        ],
    }


def test_status_as_dict_is_plain_json() -> None:
    data = HEALTHY.as_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["beat"]["running"] is True and data["redis_ok"] is True
    assert data["beat"]["leader"]["leader_since"] == "2026-01-01T00:00:00+00:00"


def test_scrub_removes_the_password_wherever_a_library_quoted_it() -> None:
    url = "redis://user:s%40cret@host:6379/0"

    assert scrub("auth s@cret failed", url) == "auth *** failed"
    assert scrub("refused", "redis://host:6379/0") == "refused"


URL = "redis://:s3cret@127.0.0.1:6379/0"
TASK = "app.tasks.scheduler.crawl_all_complexes"


def test_status_reads_beats_sync_and_count_through_the_store(store: ScheduleStore) -> None:
    Leadership(store.beats, 30.0, "host:1:ab").beat()
    Leadership(store.beats, 30.0, "host:2:cd").beat()
    store.save("하나", parse_spec({"task": TASK, "interval": 60}))
    store.write_sync_state({"ok": True, "counts": {}})

    status = read_status(store, URL, worker_timeout=0)

    assert status.redis_ok and status.redis_url == "redis://:***@127.0.0.1:6379/0"
    assert status.beat is not None and status.beat.lock_holder == "host:1:ab"
    assert status.beat.leader is not None and status.beat.leader.role == "leader"
    assert [i.instance for i in status.beat.standbys] == ["host:2:cd"]
    assert (status.sync, status.schedules) == ({"ok": True, "counts": {}}, 1)
    assert (status.workers, status.workers_source) == ([], "presence"), "no worker writes one"


def test_status_reports_unreachable_redis_without_its_password() -> None:
    server = fakeredis.FakeServer()
    server.connected = False
    store = ScheduleStore(fakeredis.FakeRedis(server=server), celery_app, "Asia/Seoul")

    status = read_status(store, URL, worker_timeout=0)

    assert not status.redis_ok and status.beat is None
    assert "s3cret" not in (status.redis_error or "") + status.redis_url


def test_overdue_names_late_enabled_entries_and_counts_those_not_read(
    store: ScheduleStore,
) -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    for name, minutes, enabled in [("a", 50, True), ("b", 40, False), ("c", 30, True)]:
        store.save(name, parse_spec({"task": TASK, "interval": 60, "enabled": enabled}))
        due = (now - timedelta(minutes=minutes)).timestamp()
        store.redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key(name): due})

    report = find_overdue(store, now, timedelta(minutes=5), limit=2)

    assert [(o.name, o.late_by) for o in report.entries] == [("a", timedelta(minutes=50))]
    assert report.unread == 1, "c is past due but beyond the limit"


def test_failing_schedules_are_a_problem_with_their_streaks() -> None:
    status = SystemStatus("redis://x", beat=BeatStatus(leader=None, lock_holder="me"))
    report = FailingReport(3, (("c", 5), ("a", 3)))

    [problem] = health_problems(status, None, report)

    assert problem.code == "failing"
    assert problem.detail == {
        "count": 2,
        "threshold": 3,
        "schedules": [
            {"name": "c", "consecutive_failures": 5},
            {"name": "a", "consecutive_failures": 3},
        ],
    }
    assert health_problems(status, None, FailingReport(3, ())) == []


def test_beats_are_listed_from_their_index_without_a_scan(store: ScheduleStore) -> None:
    Leadership(store.beats, 30.0, "host:1:ab").beat()
    standby = Leadership(store.beats, 30.0, "host:2:cd")
    standby.beat()
    store.redis.delete("batchsched:beat:instance:host:1:ab")  # what its expiry does

    assert [i.instance for i in read_beat(store).instances] == ["host:2:cd"]
    store.beats.release(standby.token, "host:2:cd")
    assert read_beat(store).instances == ()
    assert store.redis.zcard(BEAT_INSTANCES_KEY) == 1, "the expired one until a claim prunes it"
