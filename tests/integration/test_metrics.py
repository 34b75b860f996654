"""GET /metrics and the workers in status, against a real redis-server, worker, Beat and
API (the processes ./run.sh starts): real runs, then the scrape parsed with the
Prometheus client's own parser and compared with the run history it counts."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.schedules import ScheduleStore
from tests.integration.conftest import Stack, wait_until

HEALTH = "app.tasks.maintenance.health_check"
BASE = "/api/scheduler/schedule"
STATUS = "/api/scheduler/status"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(api: httpx.Client) -> Samples:
    response = api.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def outcomes(store: ScheduleStore, name: str) -> list[str]:
    return [r.outcome for r in store.runs(name, 1000)]


def create(api: httpx.Client, name: str, **kwargs: Any) -> None:
    body = {"name": name, "task": HEALTH, "interval": 1, "kwargs": kwargs}
    assert api.post(BASE, json=body).status_code == 201


def test_metrics_count_real_runs_and_status_lists_the_worker_without_a_ping(
    stack: Stack, store: ScheduleStore
) -> None:
    worker = stack.worker()
    stack.beat()
    with httpx.Client(base_url=stack.api(), timeout=10) as api:
        present = wait_until(
            lambda: api.get(STATUS).json()["workers"], what="the worker's heartbeat in status"
        )
        status = api.get(STATUS).json()
        assert status["workers_source"] == "presence" and len(present) == 1
        assert status["worker_details"][0]["concurrency"] == 2  # WORKER_CONCURRENCY

        create(api, "잘됨")
        create(api, "실패", simulate_failure=True)
        create(api, "느림", simulate_seconds=1.6)  # on a 1 s interval: fires skipped
        wait_until(
            lambda: (
                outcomes(store, "잘됨").count("succeeded") >= 2
                and "failed" in outcomes(store, "실패")
                and "skipped" in outcomes(store, "느림")
                and "succeeded" in outcomes(store, "느림")
            ),
            what="runs of each kind",
        )
        for name in ("잘됨", "실패", "느림"):
            assert api.post(f"{BASE}/{name}/pause").status_code == 200
        wait_until(lambda: value(scrape(api), "batchsched_fires_in_progress") == 0, what="quiet")

        samples = scrape(api)
        history = {name: outcomes(store, name) for name in ("잘됨", "실패", "느림")}
        ran = {n: store.stats(n).run_count for n in history}
        assert value(samples, "batchsched_runs_total", schedule="잘됨", outcome="succeeded") == (
            history["잘됨"].count("succeeded")
        )
        assert value(samples, "batchsched_runs_total", schedule="실패", outcome="failed") == (
            history["실패"].count("failed")
        )
        assert value(samples, "batchsched_fires_total", outcome="succeeded") == (
            history["잘됨"].count("succeeded") + history["느림"].count("succeeded")
        )
        assert value(samples, "batchsched_fires_skipped_total", reason="overlap") == (
            sum(h.count("skipped") for h in history.values())
        )
        assert value(samples, "batchsched_run_duration_seconds_count") == sum(ran.values())
        assert value(samples, "batchsched_fire_lateness_seconds_count") == sum(ran.values())
        slow = value(samples, "batchsched_run_duration_seconds_bucket", le="1.0")
        assert slow == sum(ran.values()) - history["느림"].count("succeeded"), "1.6 s runs"
        assert value(samples, "batchsched_change_apply_seconds_count") >= 1, "Beat woke"
        assert value(samples, "batchsched_beat_up") == 1
        assert value(samples, "batchsched_workers") == 1
        assert value(samples, "batchsched_schedules") == 3

        worker.stop()
        assert api.get(STATUS).json()["workers"] == [], "a stopping worker says so"
