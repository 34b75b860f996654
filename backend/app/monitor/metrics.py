"""`GET /metrics`: the scheduler's counters in Prometheus's text format.

The counters live in Redis, written by the scripts that record run history (and by
Beat and the alert workers), so an API process holds no metric of its own: any number
of API processes, on any hosts, answer a scrape with the same figures, and a worker
or Beat restart loses nothing. `StoreCollector` reads them all at scrape time (a few
round trips, whatever the number of schedules). docs/metrics.md lists the metrics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from app.core.constants import METRICS_OTHER_LABEL
from app.monitor.status import read_beat
from app.monitor.workers import present_workers
from app.schedules import RUN_OUTCOMES, HistogramCounts, MetricCounts, ScheduleStore

PREFIX = "batchsched"
# Outcomes of a fire that ended, each always shown (a zero is a fact too).
FIRE_OUTCOMES = (*RUN_OUTCOMES, "skipped", "missed")
HISTOGRAM_HELP = {
    "duration": ("run_duration_seconds", "How long runs took, start to end (not lost ones)."),
    "lateness": (
        "fire_lateness_seconds",
        "From a fire's slot to the start of its first attempt on a worker.",
    ),
    "apply": (
        "change_apply_seconds",
        "From a schedule change written to Redis to the leading Beat waking to apply it.",
    ),
}


class StoreCollector(Collector):
    """Reads every metric from the store at each scrape; an unreachable Redis gives
    `batchsched_redis_up 0` and nothing else, rather than a failed scrape."""

    def __init__(self, store: ScheduleStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(f"{PREFIX}_redis_up", "Whether the API reached Redis.")
        try:
            found = list(self._read())
        except RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from found

    def _read(self) -> Iterator[Metric]:
        counts = self.store.metric_counts()
        yield from fire_metrics(counts)
        yield from run_metrics(counts, self._named_alive(counts))
        for name, hist in counts.histograms.items():
            metric, doc = HISTOGRAM_HELP[name]
            yield histogram(f"{PREFIX}_{metric}", doc, hist)
        yield from alert_metrics(counts)
        yield from self._process_metrics(counts)

    def _named_alive(self, counts: MetricCounts) -> set[str]:
        """Schedules with a series of their own that still exist. The series of deleted
        ones are dropped here, so their places go to schedules created since."""
        named = {label for _, label in counts.runs if label != METRICS_OTHER_LABEL}
        alive = self.store.existing(named)
        if named - alive:
            self.store.forget_metric_series(named - alive)
        return alive

    def _process_metrics(self, counts: MetricCounts) -> Iterator[Metric]:
        beat = read_beat(self.store)
        yield gauge("beat_up", "Whether a Beat holds the lock and dispatches.", beat.running)
        yield gauge(
            "beat_instances", "Beat processes alive, leader and standbys.", len(beat.instances)
        )
        leader = GaugeMetricFamily(
            f"{PREFIX}_beat_leader_info", "The leading Beat (value 1).", labels=["instance", "host"]
        )
        if beat.leader is not None:
            leader.add_metric([beat.leader.instance, beat.leader.host or ""], 1)
        yield leader
        workers = len(present_workers(self.store))
        yield gauge("workers", "Workers whose heartbeat has not expired.", workers)
        yield gauge("fires_in_progress", "Fires sent and not ended yet.", counts.in_progress)
        yield gauge(
            "paused", "Whether dispatching is globally paused.", self.store.pause_state().paused
        )
        yield gauge("schedules", "Schedules stored.", self.store.count())


def fire_metrics(counts: MetricCounts) -> Iterator[Metric]:
    fires = CounterMetricFamily(
        f"{PREFIX}_fires",
        "Fires that ended, by outcome (retried attempts apart).",
        labels=["outcome"],
    )
    by_reason = {o: Counter[str]() for o in ("skipped", "missed")}
    for key, n in counts.fires.items():
        outcome, sep, reason = key.partition("|")
        if sep and outcome in by_reason:
            by_reason[outcome][reason] += n
    for outcome in FIRE_OUTCOMES:
        total = (
            sum(by_reason[outcome].values())
            if outcome in by_reason
            else counts.fires.get(outcome, 0)
        )
        fires.add_metric([outcome], total)
    yield fires
    for outcome, reasons in by_reason.items():
        family = CounterMetricFamily(
            f"{PREFIX}_fires_{outcome}", f"Fires {outcome}, by reason.", labels=["reason"]
        )
        for reason, n in sorted(reasons.items()):
            family.add_metric([reason], n)
        yield family
    yield CounterMetricFamily(
        f"{PREFIX}_retries",
        "Attempts that failed and were retried.",
        value=counts.fires.get("retried", 0),
    )


def run_metrics(counts: MetricCounts, alive: set[str]) -> Iterator[Metric]:
    runs = CounterMetricFamily(
        f"{PREFIX}_runs",
        "Runs that ended, by outcome and schedule (schedules past METRICS_SCHEDULE_LIMIT "
        f'as schedule="{METRICS_OTHER_LABEL}").',
        labels=["schedule", "outcome"],
    )
    for (outcome, label), n in sorted(counts.runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if label == METRICS_OTHER_LABEL or label in alive:
            runs.add_metric([label, outcome], n)
    yield runs


def alert_metrics(counts: MetricCounts) -> Iterator[Metric]:
    family = CounterMetricFamily(
        f"{PREFIX}_alerts",
        "Alerts by kind and state: queued, suppressed (rate limit), delivered, retried, "
        "failed, unsent (no webhook), dropped.",
        labels=["kind", "state"],
    )
    for key, n in sorted(counts.alerts.items()):
        state, _, kind = key.partition(":")
        family.add_metric([kind, state], n)
    yield family


def histogram(name: str, doc: str, hist: HistogramCounts) -> HistogramMetricFamily:
    """Prometheus's cumulative buckets from the stored per-bucket counts."""
    cumulative, running = [], 0
    for bound, n in zip(hist.bounds, hist.buckets, strict=False):
        running += n
        cumulative.append((_le(bound), running))
    cumulative.append(("+Inf", hist.count))
    return HistogramMetricFamily(name, doc, buckets=cumulative, sum_value=hist.total)


def gauge(name: str, doc: str, value: float | bool) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", doc, value=float(value))


def render_metrics(store: ScheduleStore) -> bytes:
    """The text a scrape gets (a registry of this collector alone: no process metrics,
    which would describe whichever API process happened to answer)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store))
    return generate_latest(registry)


def _le(bound: float) -> str:
    return repr(float(bound))
