"""generate_daily_report's history part: exact figures for a known day of runs.

The history is written through the store's own write methods at chosen moments (see
history_fakes.py), around 2025-07-19 in the app's timezone: runs whose slot is on the
day count, whatever day they ended; those of the days either side do not.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redis import Redis

from app.core.celery_app import celery_app
from app.core.config import Settings
from app.core.embedded_redis import RedisServer
from app.schedules import HistoryLimits, RunRecord, ScheduleStore
from app.tasks import history_report
from app.tasks.maintenance import cleanup_old_data
from app.tasks.reports import generate_daily_report
from tests.unit.tasks.history_fakes import TASK, Clock, HistoryWriter

# The tasks' own way to the store, before conftest replaces it with the fake one.
REAL_OPEN_STORE = history_report.open_store

DAY = "2025-07-19"
COLLECT, REPORT, CLEAN, YESTERDAY = "수집", "보고서", "정리", "어제만"


def iso(clock: Clock, local: str) -> str:
    """As the report shows a time: ISO-8601 with the app timezone's offset."""
    return datetime.fromtimestamp(clock.local(local), clock.tz).isoformat()


def slow(clock: Clock, name: str, seconds: float, slot: str, started: str, outcome: str) -> Any:
    """One of the slowest runs as the report lists it; times on the day."""
    return {
        "schedule": name,
        "duration_seconds": seconds,
        "task_id": f"{name}@{DAY} {slot}",
        "started_at": iso(clock, f"{DAY} {started}"),
        "outcome": outcome,
        "scheduled_at": iso(clock, f"{DAY} {slot}"),
    }


def write_known_history(w: HistoryWriter) -> None:
    """In the order it happens; comments give each record's fate in the report."""
    for name in (COLLECT, REPORT, CLEAN, YESTERDAY):
        w.add_schedule(name)
    w.run(YESTERDAY, "2025-07-18 12:00", "2025-07-18 12:00:01", "2025-07-18 12:00:02")  # out
    # Due the day before, failed on the day, the longest of all: out.
    long_before = w.send(COLLECT, "2025-07-18 23:30")
    long_before = w.start(long_before, "2025-07-18 23:30:00")
    w.run(CLEAN, f"{DAY} 00:00", f"{DAY} 00:00:01", f"{DAY} 00:00:03")  # first instant: in
    w.finish(long_before, f"{DAY} 00:10:00", "failed")
    w.run(COLLECT, f"{DAY} 01:00", f"{DAY} 01:00:05", f"{DAY} 01:00:35")  # 30 s
    w.run(COLLECT, f"{DAY} 02:00", f"{DAY} 02:00:05", f"{DAY} 02:02:05", "failed")  # 120 s
    # Retried once, then succeeded: one run, one retry.
    attempt = w.start(w.send(COLLECT, f"{DAY} 03:00"), f"{DAY} 03:00:05")
    attempt = w.start(w.retry(attempt, f"{DAY} 03:00:15"), f"{DAY} 03:00:25")
    w.finish(attempt, f"{DAY} 03:00:30")  # 5 s
    # A 25-minute run: Beat skips two fires for overlap meanwhile, one for min_gap after.
    running = w.start(w.send(COLLECT, f"{DAY} 04:00"), f"{DAY} 04:00:05", lease=3600)
    w.commit(COLLECT, f"{DAY} 04:10")
    w.commit(COLLECT, f"{DAY} 04:20")
    w.finish(running, f"{DAY} 04:25:05")  # 1500 s
    w.commit(COLLECT, f"{DAY} 04:30", gap=3600)
    w.run(REPORT, f"{DAY} 09:00", f"{DAY} 09:00:05", f"{DAY} 09:05:05", "timed_out")  # 300 s
    w.start(w.send(REPORT, f"{DAY} 10:00"), f"{DAY} 10:00:05", lease=60)
    w.sweep(f"{DAY} 10:02:00")  # lost: no duration
    # Beat came back at 12:30: the 12:00 fire, standing for three slots, is missed.
    w.commit(REPORT, f"{DAY} 12:00", "missed", written=f"{DAY} 12:30", missed_count=3)
    manual = w.send(REPORT, f"{DAY} 13:15", trigger="run_now")
    w.finish(w.start(manual, f"{DAY} 13:15:01"), f"{DAY} 13:15:11")  # 10 s
    # CLEAN holds lock group "db"; REPORT's fire meanwhile is skipped for lock_key.
    locked = w.start(w.send(CLEAN, f"{DAY} 14:00", lock="db", lease=600), f"{DAY} 14:00:05")
    w.commit(REPORT, f"{DAY} 14:00:30", lock="db")
    w.finish(locked, f"{DAY} 14:01:05", lock="db")  # 60 s
    # Due on the day, ended the next: in, and the slowest.
    w.run(COLLECT, f"{DAY} 23:50", f"{DAY} 23:50:05", "2025-07-20 00:20:05")  # 1800 s
    w.run(COLLECT, "2025-07-20 00:00", "2025-07-20 00:00:05", "2025-07-20 00:01:05", "failed")


def counts(**given: Any) -> dict[str, Any]:
    """A summary's figures, zero unless given."""
    base: dict[str, Any] = {
        "runs": 0,
        "succeeded": 0,
        "failed": 0,
        "timed_out": 0,
        "lost": 0,
        "failures": 0,
        "success_rate": None,
        "retries": 0,
        "skipped": {"count": 0, "by_reason": {}},
        "missed": {"count": 0, "by_reason": {}},
    }
    return base | given


@pytest.fixture
def report(history_store: ScheduleStore, clock: Clock) -> dict[str, Any]:
    write_known_history(HistoryWriter(history_store, clock))
    clock.set(clock.local("2025-07-20 03:00"))
    result: dict[str, Any] = generate_daily_report(DAY)
    return result


def test_each_schedule_counts_the_fires_due_on_the_day(report: dict[str, Any]) -> None:
    schedules = report["history"]["schedules"]
    assert list(schedules) == sorted([COLLECT, REPORT, CLEAN]), "no record of the day: absent"
    figures = {
        name: {k: v for k, v in s.items() if k != "slowest"} for name, s in schedules.items()
    }
    assert figures[COLLECT] == counts(
        runs=5,
        succeeded=4,
        failed=1,
        failures=1,
        success_rate=0.8,
        retries=1,
        skipped={"count": 3, "by_reason": {"min_gap": 1, "overlap": 2}},
    )
    assert figures[REPORT] == counts(
        runs=3,
        succeeded=1,
        timed_out=1,
        lost=1,
        failures=2,
        success_rate=0.3333,
        skipped={"count": 1, "by_reason": {"lock_key": 1}},
        missed={"count": 3, "by_reason": {"catchup_window": 3}},
    )
    assert figures[CLEAN] == counts(runs=2, succeeded=2, success_rate=1.0)


def test_totals_add_up_every_schedule(report: dict[str, Any]) -> None:
    totals = {k: v for k, v in report["history"]["totals"].items() if k != "slowest"}
    assert totals == counts(
        runs=10,
        succeeded=7,
        failed=1,
        timed_out=1,
        lost=1,
        failures=3,
        success_rate=0.7,
        retries=1,
        skipped={"count": 4, "by_reason": {"lock_key": 1, "min_gap": 1, "overlap": 2}},
        missed={"count": 3, "by_reason": {"catchup_window": 3}},
    )


def test_slowest_runs_overall_and_per_schedule(report: dict[str, Any], clock: Clock) -> None:
    history = report["history"]
    assert history["totals"]["slowest"] == [
        slow(clock, COLLECT, 1800.0, "23:50", "23:50:05", "succeeded"),
        slow(clock, COLLECT, 1500.0, "04:00", "04:00:05", "succeeded"),
        slow(clock, REPORT, 300.0, "09:00", "09:00:05", "timed_out"),
        slow(clock, COLLECT, 120.0, "02:00", "02:00:05", "failed"),
        slow(clock, CLEAN, 60.0, "14:00", "14:00:05", "succeeded"),
    ]
    durations = {
        name: [run["duration_seconds"] for run in s["slowest"]]
        for name, s in history["schedules"].items()
    }
    # The retried attempt (10 s) is not a run; the lost one has no duration.
    assert durations == {
        COLLECT: [1800.0, 1500.0, 120.0, 30.0, 5.0],
        REPORT: [300.0, 10.0],
        CLEAN: [60.0, 2.0],
    }


def test_the_report_says_what_is_real_and_what_is_a_stand_in(
    report: dict[str, Any], clock: Clock
) -> None:
    history = report["history"]
    assert report["stand_in"] is False
    assert history["stand_in"] is False
    assert report["products"]["stand_in"] is True
    assert (report["report_date"], report["timezone"]) == (DAY, celery_app.conf.timezone)
    assert history["counted_by"] == "scheduled_at"
    assert (history["from"], history["to"]) == (
        iso(clock, f"{DAY} 00:00"),
        iso(clock, "2025-07-20 00:00"),
    )
    assert (history["complete"], history["beyond_retention"], history["capped_schedules"]) == (
        True,
        False,
        [],
    )


def test_day_bounds_are_the_app_timezone_midnights(clock: Clock) -> None:
    first, following = history_report.day_bounds(datetime.fromisoformat(DAY).date(), clock.tz)
    assert first.timestamp() == clock.local(f"{DAY} 00:00")
    assert following.timestamp() == clock.local("2025-07-20 00:00")


def test_the_neighbouring_days_have_their_own_reports(
    history_store: ScheduleStore, clock: Clock
) -> None:
    write_known_history(HistoryWriter(history_store, clock))
    clock.set(clock.local("2025-07-20 03:00"))
    before = generate_daily_report("2025-07-18")["history"]
    after = generate_daily_report("2025-07-20")["history"]
    assert {n: s["runs"] for n, s in before["schedules"].items()} == {COLLECT: 1, YESTERDAY: 1}
    assert before["totals"]["slowest"][0]["duration_seconds"] == 2400.0
    assert {n: s["failures"] for n, s in after["schedules"].items()} == {COLLECT: 1}


def test_an_empty_day_has_zero_runs_and_no_rate() -> None:
    history = generate_daily_report(DAY)["history"]
    assert history["schedules"] == {}
    assert history["totals"] == counts(slowest=[])


def test_a_day_older_than_the_kept_history_is_flagged(clock: Clock) -> None:
    clock.set(clock.local("2025-08-19 00:00"))
    history = generate_daily_report(DAY)["history"]
    assert (history["complete"], history["beyond_retention"]) == (False, True)


def test_a_schedule_whose_kept_history_is_full_is_flagged(
    history_store: ScheduleStore, clock: Clock
) -> None:
    history_store.history_limits = HistoryLimits(14 * 86400, 3, 100, 3600)
    w = HistoryWriter(history_store, clock)
    for hour in ("01", "02", "03", "04"):
        w.run(COLLECT, f"{DAY} {hour}:00", f"{DAY} {hour}:00:01", f"{DAY} {hour}:00:02")
    w.run(CLEAN, f"{DAY} 05:00", f"{DAY} 05:00:01", f"{DAY} 05:00:02")
    clock.set(clock.local("2025-07-20 03:00"))
    history = generate_daily_report(DAY)["history"]
    assert history["schedules"][COLLECT]["runs"] == 3, "the oldest went with the cap"
    assert (history["complete"], history["capped_schedules"]) == (False, [COLLECT])


def test_the_fake_server_clock_drives_stream_ids_and_time(
    history_store: ScheduleStore, clock: Clock
) -> None:
    """What the known-day tests rely on (see history_fakes.FAKE_SERVER_CLOCK_MODULES)."""
    HistoryWriter(history_store, clock).run(
        CLEAN, f"{DAY} 01:00", f"{DAY} 01:00:01", f"{DAY} 01:00:02"
    )
    [record] = history_store.runs(CLEAN, 5)
    assert record.id == f"{round(clock.local(f'{DAY} 01:00:02') * 1000)}-0"
    seconds, _micros = history_store.redis.time()
    assert seconds == int(clock.now)


def test_the_tasks_read_and_trim_the_redis_the_settings_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No fake: the tasks' own store, on a real redis-server named by REDIS_URL."""
    with RedisServer() as server:
        settings = Settings(redis_url=server.url)
        monkeypatch.setattr(history_report, "get_settings", lambda: settings)
        monkeypatch.setattr(history_report, "open_store", REAL_OPEN_STORE)
        with Redis.from_url(server.url, decode_responses=True) as client:
            store = ScheduleStore(client, celery_app, settings.timezone)
            now = time.time()
            rec = RunRecord(CLEAN, "fire", TASK, now, "sent", "run_now", "task-1", now)
            assert store.register_run(rec, "allow", "", now + 60, now) is None
            done = replace(rec, outcome="succeeded", started_at=now, finished_at=now + 1.5)
            store.finish_run("task-1", done, "")
            day = datetime.fromtimestamp(now, ZoneInfo(settings.timezone)).date().isoformat()

            history = generate_daily_report(day)["history"]
            assert history["schedules"][CLEAN]["slowest"][0]["task_id"] == "task-1"
            assert history["totals"]["runs"] == 1
            assert cleanup_old_data(1)["history"]["records_removed"] == 0
            assert len(store.runs(CLEAN, 10)) == 1
