"""Alerts end to end: a real redis-server, worker and Beat (the project's scripts), and
local webhook receivers (http.server in a thread).

Seconds stand in for hours: a run of several seconds is "long" for a schedule whose own
limit is 1 s, or whose usual run takes milliseconds (ALERT_LONG_RUN_MIN_SECONDS=1 here).
One worker and one Beat serve the module; each test makes schedules of its own.

CI is a loaded 2-core machine: no assert rests on something happening within a short
window, and times compared are measured by the same process.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis

from app.core.celery_app import celery_app
from app.core.embedded_redis import RedisServer
from app.schedules import RunRecord, ScheduleService, ScheduleStore, TaskRegistry
from tests.integration.conftest import Proc, Stack, stack_env, wait_until, write_schedules
from tests.unit.alerts.receiver import Receiver, dead_url, receiver
from tests.unit.alerts.streams import settled

REPORT = "app.tasks.reports.generate_daily_report"
WHOLESALE = "app.tasks.collection.collect_wholesale_products"
SUPPLIER = "app.tasks.collection.collect_supplier"
DEADLINE = 40.0
# One webhook call may take this long (the hanging receiver takes all of it). A run whose
# end waited for the webhook would take at least this long; one that fails at once takes
# milliseconds, so this is far apart from either, however loaded the machine.
WEBHOOK_TIMEOUT = 4.0
# A one-off's time, this far from now: its create is refused if the time has passed.
ONE_OFF_LEAD = 5.0
# A run the rules must notice while it still runs (its limit: 1 s, scans: every 0.5 s).
LONG_RUN_SECONDS = 6


@dataclass
class Shared:
    stack: Stack
    store: ScheduleStore
    service: ScheduleService
    hook: Receiver
    worker: Proc


@pytest.fixture(scope="module")
def shared(
    redis_server: RedisServer, registry: TaskRegistry, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shared]:
    client = Redis.from_url(redis_server.url, decode_responses=True)
    client.flushall()
    base = tmp_path_factory.mktemp("alerts")
    schedules_file = base / "schedules.json"
    write_schedules(schedules_file, {})
    (base / "logs").mkdir()
    with receiver() as hook:
        env = stack_env(
            redis_server.url,
            schedules_file,
            WORKER_CONCURRENCY="4",
            ALERT_WEBHOOK_URL=hook.url,
            ALERT_LINK_BASE_URL="https://sched.example.com",
            ALERT_CONSECUTIVE_FAILURES="2",
            ALERT_SCAN_SECONDS="0.5",
            ALERT_LONG_RUN_MIN_SECONDS="1",
            ALERT_LONG_RUN_MIN_RUNS="3",
            ALERT_RATE_LIMIT="1000",
            ALERT_WEBHOOK_TIMEOUT_SECONDS=str(WEBHOOK_TIMEOUT),
            ALERT_DELIVERY_RETRIES="1",
            ALERT_RETRY_BACKOFF_SECONDS="0.2",
        )
        stack = Stack(env, base / "logs")
        try:
            worker = stack.start("run_worker.sh", "worker")  # both start at once
            beat = stack.start("run_celery_beat.sh", "beat")
            worker.wait_for_log("alerts: rules and delivery running")
            beat.wait_for_log("beat: acquired the lock")
            store = ScheduleStore(client, celery_app, "Asia/Seoul")
            yield Shared(stack, store, ScheduleService(store, registry), hook, worker)
        finally:
            stack.stop_all()
            client.close()


def soon(seconds: float = ONE_OFF_LEAD) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def records(store: ScheduleStore, name: str, outcome: str) -> list[RunRecord]:
    return [r for r in reversed(store.runs(name, 1000)) if r.outcome == outcome]


def wait_records(store: ScheduleStore, name: str, outcome: str, count: int) -> list[RunRecord]:
    return wait_until(  # type: ignore[no-any-return]
        lambda: (found := records(store, name, outcome)) and len(found) >= count and found,
        timeout=DEADLINE,
        what=f"{count} {outcome} record(s) of {name}",
    )


def wait_settled(store: ScheduleStore) -> None:
    """Every record looked at, every alert delivered (or given up) and acknowledged."""
    wait_until(lambda: settled(store.redis), DEADLINE, "the alerts to settle")


def test_each_kind_of_alert_arrives_exactly_once(
    shared: Shared, create: Callable[..., str]
) -> None:
    store, service, hook = shared.store, shared.service, shared.hook
    failing = create(
        "실패",
        task=REPORT,
        interval=1,
        kwargs={"simulate_failure": True},
        policy={"max_retries": 1, "retry_backoff_seconds": 0.1},
    )
    slow = create(
        "느림",
        task=REPORT,
        at=soon(),
        kwargs={"simulate_seconds": LONG_RUN_SECONDS},
        policy={"alert_long_run_seconds": 1},
    )
    learned = create("학습", task=REPORT, interval=1)
    missed_at = time.time() + ONE_OFF_LEAD
    missed = create(
        "놓침",
        task=REPORT,
        at=datetime.fromtimestamp(missed_at, UTC).isoformat(),
        enabled=False,
        policy={"catchup_window_seconds": 0},
    )
    items = create("수집", task=WHOLESALE, at=soon())
    few = create("수집_적음", task=SUPPLIER, at=soon(), kwargs={"supplier": "zentrade"})

    # Failures: each final one alerts, the second in a row also as a streak.
    wait_records(store, failing, "failed", 3)
    service.set_enabled(failing, False)
    # A long run, seen while it still runs (its end is checked below, once it ended).
    [during] = wait_until(lambda: hook.alerts("long_run", slow), DEADLINE, "the long run alert")
    # Learned: three quick runs, then a slow one is far longer than usual.
    wait_records(store, learned, "succeeded", 3)
    service.update(learned, {"kwargs": {"simulate_seconds": LONG_RUN_SECONDS}})
    [long_learned] = wait_until(
        lambda: hook.alerts("long_run", learned), DEADLINE, "the learned long-run alert"
    )
    service.set_enabled(learned, False)
    [run] = wait_records(store, slow, "succeeded", 1)
    # Raised from the record of a run in progress, when it had run for less than it
    # finally took: both durations count from the run's own start.
    assert during["running"] is True and during["task_id"] == run.task_id
    assert run.duration_seconds is not None
    assert during["duration_seconds"] < run.duration_seconds
    # A one-off whose time passed while disabled, outside its window: missed.
    wait_until(lambda: time.time() > missed_at + 3, 15, "its slot to pass")
    service.set_enabled(missed, True)
    wait_records(store, missed, "missed", 1)
    wait_records(store, items, "succeeded", 1)
    wait_records(store, few, "succeeded", 1)
    wait_until(lambda: not store.in_progress(failing) and not store.in_progress(learned), DEADLINE)
    wait_settled(store)

    failed_runs = records(store, failing, "failed")
    runs = hook.alerts("run_failed", failing)
    assert sorted(a["task_id"] for a in runs) == sorted(r.task_id for r in failed_runs)
    assert {a["attempt"] for a in runs} == {2}  # after its retry, never the retried attempt
    assert records(store, failing, "retried")
    [streak] = hook.alerts("consecutive_failures", failing)
    assert streak["streak"] == 2 and streak["task_id"] == failed_runs[1].task_id

    assert len(hook.alerts("long_run", slow)) == 1  # not again when it ended
    assert long_learned["running"] is True and long_learned["usual_seconds"] < 1
    assert long_learned["threshold_seconds"] == 1
    per_run = Counter(a["task_id"] for a in hook.alerts("long_run", learned))
    assert set(per_run.values()) == {1}

    [miss] = hook.alerts("missed", missed)
    assert miss["fire_id"] == records(store, missed, "missed")[0].fire_id

    [item] = hook.alerts("failed_items", items)
    assert (item["failed_items"], item["total_items"], item["items_threshold"]) == (20, 2395, 10)
    assert hook.alerts(schedule=few) == []  # 1 failed item of 331: below the threshold

    # Every alert once, and each is Slack's shape with where to see the history.
    ids = Counter(a["id"] for a in hook.alerts())
    assert set(ids.values()) == {1}, ids
    body = next(b for b in hook.bodies if b["alert"]["kind"] == "missed")
    assert body["text"].startswith("[batchsched] 놓침: missed its fire of")
    assert body["alert"]["history_url"] == (
        "https://sched.example.com/api/scheduler/schedule/%EB%86%93%EC%B9%A8/runs"
    )
    assert "`./scheduler_control.sh runs 놓침`" in body["blocks"][-1]["elements"][0]["text"]
    assert body["alert"]["history_command"] == "./scheduler_control.sh runs 놓침"
    counts = store.metric_counts().alerts
    assert sum(v for k, v in counts.items() if k.startswith("delivered:")) == len(hook.bodies)
    print(f"\nalerts: {Counter(a['kind'] for a in hook.alerts())}; counters {counts}")


def test_a_dead_or_hanging_webhook_never_slows_a_run(
    shared: Shared, create: Callable[..., str]
) -> None:
    store = shared.store
    with receiver("/hangs") as hanging:
        hanging.hang.set()
        job = {"task": REPORT, "interval": 1, "kwargs": {"simulate_failure": True}}
        dead = create("죽은_웹훅", **job, policy={"alert_webhook_url": dead_url() + "/s3cr3t"})
        hung = create("멈춘_웹훅", **job, policy={"alert_webhook_url": hanging.url})

        wait_until(lambda: hanging.bodies, DEADLINE, "a hung call")
        # Runs go on while calls hang: one ends after the first call hung (seen here,
        # so no clocks of two processes are compared).
        before = {r.task_id for r in records(store, hung, "failed")}
        wait_until(
            lambda: {r.task_id for r in records(store, hung, "failed")} - before,
            DEADLINE,
            "a run to end while the webhook hangs",
        )
        wait_records(store, dead, "failed", 3)
        shared.service.set_enabled(dead, False)
        shared.service.set_enabled(hung, False)
        # Both kinds of failure to deliver are logged and counted (after the retry).
        gave_up = "not delivered to http://127.0.0.1/… after 2 attempt(s): timed out"
        wait_until(lambda: gave_up in shared.worker.log(), DEADLINE, "a hung call given up")
        assert len(hanging.bodies) >= 2  # the call, then its retry
    # No run waited for its alert: each took less than one webhook call can.
    for name in (dead, hung):
        runs = records(store, name, "failed")
        assert len(runs) >= 2 and all(r.duration_seconds is not None for r in runs), runs
        assert max(r.duration_seconds or 0 for r in runs) < WEBHOOK_TIMEOUT, runs
    log = shared.worker.log()
    assert "not delivered to http://127.0.0.1/… after 2 attempt(s): ConnectionRefusedError" in log
    assert "s3cr3t" not in log and "/hangs" not in log
    counts = store.metric_counts().alerts
    assert counts.get("failed:run_failed", 0) >= 2 and counts.get("retried:run_failed", 0) >= 2
