"""Beat against a real Redis, worker and Beat: dispatch, pickup, seed 004's Method 3."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis import Redis

from app.core.celery_app import celery_app
from app.core.constants import BEAT_LEADER_KEY, REDBEAT_LOCK_KEY
from app.schedules.spec import parse_spec
from app.schedules.store import CREATE, ScheduleStore
from tests.integration.conftest import ROOT, Stack, wait_until, write_schedules

CRAWL = "app.tasks.scheduler.crawl_all_complexes"


def task_results(redis: Redis, task: str) -> list[dict[str, object]]:
    """Finished results in Celery's Redis result backend for one task name (a run
    shows as STARTED first, since task_track_started is on)."""
    found = []
    for key in redis.scan_iter("celery-task-meta-*"):
        meta = json.loads(redis.get(key) or "{}")
        if meta.get("name") == task and meta.get("status") in ("SUCCESS", "FAILURE"):
            found.append(meta)
    return found


def test_interval_schedule_fires_and_its_result_is_visible(
    stack: Stack, redis: Redis, store: ScheduleStore, schedules_file: Path
) -> None:
    write_schedules(schedules_file, {"크롤링": {"task": CRAWL, "interval": 1}})
    stack.worker()
    stack.beat()

    results = wait_until(lambda: task_results(redis, CRAWL), what="a crawl result")
    assert results[0]["status"] == "SUCCESS"
    assert results[0]["result"]["stand_in"] is True  # type: ignore[index]
    entry = wait_until(lambda: store.get("크롤링"), what="the entry")
    assert entry.origin == "file"
    assert entry.total_run_count >= 1


def test_entry_saved_while_beat_runs_fires_within_a_second_of_becoming_due(
    stack: Stack, store: ScheduleStore
) -> None:
    beat = stack.beat()
    beat.wait_for_log("beat: acquired the lock")
    lateness = []
    for attempt in range(3):
        due = datetime.now(UTC) + timedelta(seconds=1.5)
        name = f"한번_{attempt}"
        store.save(name, parse_spec({"task": CRAWL, "at": due.isoformat()}), mode=CREATE)
        fired = wait_until(
            lambda n=name: (store.get(n) or None) and store.get(n).last_run_at,
            what=f"{name} to fire",
        )
        lateness.append((fired - due).total_seconds())
    # Never early, and within the promised second of its due time.
    assert all(0 <= late < 1.0 for late in lateness), lateness
    beat.wait_for_log("sending due task 한번_2")


SEED_004_METHOD_3 = """
from redbeat import RedBeatSchedulerEntry
from celery.schedules import crontab
from app.core.celery_app import celery_app

# 새 스케줄 생성
entry = RedBeatSchedulerEntry(
    name='임시_테스트',
    task='app.tasks.scheduler.crawl_all_complexes',
    schedule=crontab(hour=16, minute=0, day_of_week=3),
    app=celery_app
)

# Redis에 저장 (즉시 반영!)
entry.save()

print(f"✅ 스케줄 '{entry.name}' 저장 완료!")
"""


def run_snippet(code: str, redis_url: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "backend",
        env={**os.environ, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_seed_004_method_3_snippet_saves_an_entry_beat_dispatches(
    stack: Stack, redis: Redis, store: ScheduleStore
) -> None:
    """Seed 004's third method, as printed, then the same with a timing due now."""
    stack.worker()
    stack.beat()
    out = run_snippet(SEED_004_METHOD_3, stack.env["REDIS_URL"])
    assert "임시_테스트' 저장 완료" in out
    entry = wait_until(lambda: store.get("임시_테스트"), what="the snippet's entry")
    assert entry.origin == "redbeat"
    assert entry.spec is not None and entry.spec.day_of_week == "3"

    due_now = SEED_004_METHOD_3.replace(
        "crontab(hour=16, minute=0, day_of_week=3)", "timedelta(seconds=1)"
    ).replace("from celery.schedules import crontab", "from datetime import timedelta")
    run_snippet(due_now, stack.env["REDIS_URL"])
    wait_until(lambda: task_results(redis, CRAWL), what="the Method 3 entry to run")
    ran = wait_until(lambda: store.get("임시_테스트").total_run_count, what="its run count")
    assert ran >= 1


def test_one_beat_leads_and_a_standby_takes_over_when_it_dies(
    stack: Stack, redis: Redis, store: ScheduleStore, schedules_file: Path
) -> None:
    first = stack.beat()
    first.wait_for_log("beat: acquired the lock")
    second = stack.beat()
    second.wait_for_log("beat: standing by")
    leader = json.loads(redis.get(BEAT_LEADER_KEY) or "{}")
    assert leader["role"] == "leader"
    assert str(first.popen.pid) in leader["instance"] or leader["pid"] != second.popen.pid

    first.stop(sig=9)  # a crash: no chance to release the lock
    second.wait_for_log("beat: acquired the lock", timeout=30)
    store.save("인계_후", parse_spec({"task": CRAWL, "interval": 1}))
    wait_until(
        lambda: (store.get("인계_후") or None) and store.get("인계_후").total_run_count,
        what="the new leader to dispatch",
    )


def test_sigterm_stops_beat_and_releases_the_lock(stack: Stack, redis: Redis) -> None:
    for attempt in range(3):
        beat = stack.beat()
        beat.wait_for_log("beat: acquired the lock")
        store_due_every_second = {"task": CRAWL, "interval": 1}
        ScheduleStore(redis, celery_app, "Asia/Seoul").save(
            f"바쁨_{attempt}", parse_spec(store_due_every_second)
        )
        wait_until(lambda: redis.get(REDBEAT_LOCK_KEY), what="the lock")
        assert beat.stop(signal.SIGTERM, timeout=20) == 0, beat.log()[-3000:]
        assert "beat: released the lock" in beat.log()
        assert redis.get(REDBEAT_LOCK_KEY) is None


def test_beat_sends_with_the_entry_options_to_its_queue(
    stack: Stack, redis: Redis, store: ScheduleStore
) -> None:
    beat = stack.beat()
    beat.wait_for_log("beat: acquired the lock")
    for name, queue in (("보고서_큐", "reports"), ("기본_큐", None)):
        options = {"queue": queue, "expires": 600} if queue else {}
        due = (datetime.now(UTC) + timedelta(seconds=0.5)).isoformat()
        spec = {"task": CRAWL, "at": due, "kwargs": {"simulate_seconds": 0.5}, **options}
        store.save(name, parse_spec(spec), mode=CREATE)

    def message(queue: str) -> dict[str, object] | None:
        raw = redis.lindex(queue, 0)
        return json.loads(raw) if raw else None

    sent = wait_until(lambda: message("reports"), what="a message on the reports queue")
    default = wait_until(lambda: message("celery"), what="a message on the default queue")
    headers = sent["headers"]
    assert headers["task"] == CRAWL and headers["celery_beat_task"] is True  # type: ignore[index]
    assert headers["expires"] is not None  # type: ignore[index]
    assert default["headers"]["expires"] is None  # type: ignore[index]


def test_the_message_in_the_broker_names_its_schedule_slot_and_fire(
    stack: Stack, redis: Redis, store: ScheduleStore
) -> None:
    """No worker: the message stays in the broker list, as a worker would receive it."""
    beat = stack.beat()
    beat.wait_for_log("beat: acquired the lock")
    due = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)
    store.save("추적", parse_spec({"task": CRAWL, "at": due.isoformat()}), mode=CREATE)

    raw = wait_until(lambda: redis.lindex("celery", 0), what="the message in the broker")
    headers = json.loads(raw)["headers"]
    assert headers["task"] == CRAWL
    assert headers["schedule"] == "추적"
    assert headers["scheduled_at"] == due.isoformat().replace("+00:00", "Z")
    fire_id = headers["fire_id"]
    beat.wait_for_log(f"for {headers['scheduled_at']}, fire {fire_id}")
