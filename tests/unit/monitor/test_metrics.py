"""app/monitor/metrics.py and GET /metrics: the counters in Redis as Prometheus reads them
(parsed with prometheus_client's own parser), on fakeredis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import fakeredis
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.api.deps import get_redis
from app.api.main import app
from app.beat.leadership import Leadership
from app.beat.scheduler import BatchScheduler
from app.core.celery_app import celery_app
from app.core.constants import ALERT_COUNTS_KEY, DURATION_BUCKETS, METRICS_OTHER_LABEL
from app.execution.presence import Presence
from app.monitor import render_metrics
from app.schedules import HistoryLimits, ScheduleStore
from app.schedules.spec import parse_spec
from tests.unit.beat.fakes import lua_fakeredis
from tests.unit.monitor.test_metrics_store import run
from tests.unit.schedules.test_runs_store import STALE, TASK, add, fire

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
SLOT = time.time() - 100


@pytest.fixture
def redis() -> fakeredis.FakeRedis:
    return lua_fakeredis()


@pytest.fixture
def store(redis: fakeredis.FakeRedis) -> ScheduleStore:
    store = ScheduleStore(redis, celery_app, "Asia/Seoul")
    store.history_limits = HistoryLimits(14 * 86400, 50, 100, STALE, 1)
    store.beats.claim("me", "me", "{}", 30)
    return store


def scrape(store: ScheduleStore) -> Samples:
    text = render_metrics(store).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def test_runs_and_fires_by_outcome_with_one_named_schedule(store: ScheduleStore) -> None:
    add(store, "a")
    add(store, "b")
    for i, (name, outcome) in enumerate((("a", "succeeded"), ("b", "failed"), ("a", "failed"))):
        run(store, fire(store, name, SLOT + i)[1], outcome, late=0.5, took=3.0)

    samples = scrape(store)

    assert value(samples, "batchsched_runs_total", schedule="a", outcome="succeeded") == 1
    assert value(samples, "batchsched_runs_total", schedule="a", outcome="failed") == 1
    assert value(samples, "batchsched_runs_total", schedule="b", outcome="failed") is None
    other = value(samples, "batchsched_runs_total", schedule=METRICS_OTHER_LABEL, outcome="failed")
    assert other == 1, "the limit is 1: b's run is counted as _other"
    assert value(samples, "batchsched_fires_total", outcome="failed") == 2
    assert value(samples, "batchsched_fires_total", outcome="lost") == 0, "zeros are shown"
    assert value(samples, "batchsched_fires_in_progress") == 0


def test_histograms_are_cumulative_with_their_count_and_sum(store: ScheduleStore) -> None:
    add(store, "a")
    for i, took in enumerate((0.05, 3.0, 99999.0)):
        run(store, fire(store, "a", SLOT + i)[1], "succeeded", late=0.0, took=took)

    samples = scrape(store)

    bucket = "batchsched_run_duration_seconds_bucket"
    assert value(samples, bucket, le="0.1") == 1
    assert value(samples, bucket, le="5.0") == 2
    assert value(samples, bucket, le=repr(float(DURATION_BUCKETS[-1]))) == 2
    assert value(samples, bucket, le="+Inf") == 3
    assert value(samples, "batchsched_run_duration_seconds_count") == 3
    assert value(samples, "batchsched_run_duration_seconds_sum") == pytest.approx(100002.05)
    assert value(samples, "batchsched_fire_lateness_seconds_count") == 3
    assert value(samples, "batchsched_change_apply_seconds_count") == 0


def test_skips_by_reason_retries_and_alerts(store: ScheduleStore) -> None:
    add(store, "a")
    fire(store, "a", SLOT)
    fire(store, "a", SLOT + 1)
    store.redis.hset(ALERT_COUNTS_KEY, mapping={"delivered:run_failed": 2, "failed:missed": 1})

    samples = scrape(store)

    assert value(samples, "batchsched_fires_skipped_total", reason="overlap") == 1
    assert value(samples, "batchsched_fires_total", outcome="skipped") == 1
    assert value(samples, "batchsched_retries_total") == 0
    assert value(samples, "batchsched_alerts_total", kind="run_failed", state="delivered") == 2
    assert value(samples, "batchsched_alerts_total", kind="missed", state="failed") == 1
    assert value(samples, "batchsched_fires_in_progress") == 1


def test_a_deleted_schedule_leaves_the_series_and_its_place(store: ScheduleStore) -> None:
    add(store, "a")
    run(store, fire(store, "a", SLOT)[1], "succeeded", late=0.0, took=1.0)
    store.delete("a")

    samples = scrape(store)
    assert value(samples, "batchsched_runs_total", schedule="a", outcome="succeeded") is None
    assert value(samples, "batchsched_fires_total", outcome="succeeded") == 1, "still counted"

    add(store, "b")
    run(store, fire(store, "b", SLOT)[1], "succeeded", late=0.0, took=1.0)
    samples = scrape(store)
    assert value(samples, "batchsched_runs_total", schedule="b", outcome="succeeded") == 1


def test_beat_workers_pause_and_schedules(store: ScheduleStore) -> None:
    store.beats.release("me", "me")
    samples = scrape(store)
    assert value(samples, "batchsched_beat_up") == 0
    assert value(samples, "batchsched_workers") == 0

    Leadership(store.beats, 30.0, "host:1:ab").beat()
    Leadership(store.beats, 30.0, "host:2:cd").beat()
    Presence(store, "w1@host", 2).beat()
    store.save("a", parse_spec({"task": TASK, "interval": 60}))

    samples = scrape(store)
    assert value(samples, "batchsched_beat_up") == 1
    assert value(samples, "batchsched_beat_instances") == 2
    leader = [k for k in samples if k[0] == "batchsched_beat_leader_info"]
    assert [dict(k[1])["instance"] for k in leader] == ["host:1:ab"]
    assert value(samples, "batchsched_workers") == 1
    assert value(samples, "batchsched_schedules") == 1
    assert value(samples, "batchsched_paused") == 0
    assert value(samples, "batchsched_redis_up") == 1


def test_an_unreachable_redis_is_a_zero_not_a_failed_scrape() -> None:
    server = fakeredis.FakeServer()
    server.connected = False
    down = ScheduleStore(fakeredis.FakeRedis(server=server), celery_app, "Asia/Seoul")

    assert scrape(down) == {("batchsched_redis_up", ()): 0.0}


def test_beat_counts_how_long_a_change_waited_for_it(
    redis: fakeredis.FakeRedis, store: ScheduleStore, tmp_path: Any
) -> None:
    beat = BatchScheduler(celery_app, max_interval=30)
    beat.__dict__["redis"] = redis
    store.save("a", parse_spec({"task": TASK, "interval": 60}))

    beat._wait(None)  # returns at once: the save left its wake token

    apply = store.metric_counts().histograms["apply"]
    assert apply.count == 1 and 0 <= apply.total < 5


def test_a_wake_token_that_is_not_a_time_is_not_counted(
    redis: fakeredis.FakeRedis, store: ScheduleStore
) -> None:
    beat = BatchScheduler(celery_app, max_interval=30)
    beat.__dict__["redis"] = redis
    redis.lpush("batchsched:beat:wake", "1")  # what writers before this change pushed

    beat._wait(None)

    assert store.metric_counts().histograms["apply"].count == 0


@pytest.fixture
def client(redis: fakeredis.FakeRedis) -> Iterator[TestClient]:
    app.dependency_overrides[get_redis] = lambda: redis
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


def test_the_route_answers_prometheus_text(client: TestClient, store: ScheduleStore) -> None:
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4;")
    names = {f.name for f in text_string_to_metric_families(response.text)}
    assert {"batchsched_fires", "batchsched_runs", "batchsched_beat_up"} <= names
