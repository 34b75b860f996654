"""The metrics' counters as stored: read at once for a scrape, written by Beat for the
one observation the run-history scripts cannot make (a change's wait for Beat).

The scripts in _run_scripts.py count fires and runs as they write each record
(`count_record`, `count_run`), so a counter and the history it counts never disagree,
and every process counts into the same hashes (docs/metrics.md has the layout).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.constants import (
    ALERT_COUNTS_KEY,
    APPLY_BUCKETS,
    DURATION_BUCKETS,
    LATENESS_BUCKETS,
    LEASES_KEY,
    METRICS_APPLY_KEY,
    METRICS_DURATION_KEY,
    METRICS_FIRES_KEY,
    METRICS_LATENESS_KEY,
    METRICS_NAMED_KEY,
    METRICS_RUNS_KEY,
)
from app.schedules.keys import entry_key
from app.schedules.runs import RUN_OUTCOMES
from app.schedules.store._base import StoreBase

# Histogram name -> (its hash, its bucket bounds).
HISTOGRAMS: dict[str, tuple[str, Sequence[float]]] = {
    "duration": (METRICS_DURATION_KEY, DURATION_BUCKETS),
    "lateness": (METRICS_LATENESS_KEY, LATENESS_BUCKETS),
    "apply": (METRICS_APPLY_KEY, APPLY_BUCKETS),
}


@dataclass(frozen=True)
class HistogramCounts:
    """Observations per bucket (not cumulative; the last bucket is past every bound)."""

    bounds: tuple[float, ...]
    buckets: tuple[int, ...]
    total: float  # the sum of the observed values

    @classmethod
    def decode(cls, bounds: Sequence[float], raw: Mapping[str, str]) -> HistogramCounts:
        buckets = tuple(_int(raw.get(str(i))) for i in range(1, len(bounds) + 2))
        return cls(tuple(float(b) for b in bounds), buckets, _int(raw.get("sum_us")) / 1e6)

    @property
    def count(self) -> int:
        return sum(self.buckets)


@dataclass(frozen=True)
class MetricCounts:
    """Every counter at one moment (one round trip)."""

    # `retried`, `skipped|<reason>`, `missed|<reason>` -> count.
    fires: dict[str, int] = field(default_factory=dict)
    # (outcome, schedule or METRICS_OTHER_LABEL) -> count.
    runs: dict[tuple[str, str], int] = field(default_factory=dict)
    histograms: dict[str, HistogramCounts] = field(default_factory=dict)
    # `<state>:<kind>` -> count, as the alerts keep them (ALERT_COUNTS_KEY).
    alerts: dict[str, int] = field(default_factory=dict)
    in_progress: int = 0


class MetricsOps(StoreBase):
    def metric_counts(self) -> MetricCounts:
        """Every metrics counter, in one round trip."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(METRICS_FIRES_KEY)
            pipe.hgetall(METRICS_RUNS_KEY)
            pipe.hgetall(ALERT_COUNTS_KEY)
            pipe.zcard(LEASES_KEY)
            for key, _bounds in HISTOGRAMS.values():
                pipe.hgetall(key)
            fires, runs, alerts, in_progress, *hists = pipe.execute()
        return MetricCounts(
            fires=_ints(fires),
            runs={_split(k): n for k, n in _ints(runs).items()},
            histograms={
                name: HistogramCounts.decode(bounds, raw)
                for (name, (_key, bounds)), raw in zip(HISTOGRAMS.items(), hists, strict=True)
            },
            alerts=_ints(alerts),
            in_progress=int(in_progress),
        )

    def observe_apply(self, seconds: float) -> None:
        """One wait of a schedule change for Beat (`batchsched_change_apply_seconds`)."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(METRICS_APPLY_KEY, str(bucket_of(APPLY_BUCKETS, seconds)), 1)
            pipe.hincrby(METRICS_APPLY_KEY, "sum_us", round(seconds * 1e6))
            pipe.execute()

    def existing(self, names: Iterable[str]) -> set[str]:
        """Which of `names` are schedules now (one round trip)."""
        ordered = list(names)
        if not ordered:
            return set()
        with self.redis.pipeline(transaction=False) as pipe:
            for name in ordered:
                pipe.exists(entry_key(name))
            found = pipe.execute()
        return {name for name, n in zip(ordered, found, strict=True) if n}

    def forget_metric_series(self, names: Iterable[str]) -> None:
        """Drop the series of deleted schedules, so their places go to new schedules."""
        gone = list(names)
        if not gone:
            return
        fields = [f"{outcome}|{name}" for name in gone for outcome in RUN_OUTCOMES]
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.srem(METRICS_NAMED_KEY, *gone)
            pipe.hdel(METRICS_RUNS_KEY, *fields)
            pipe.execute()


def bucket_of(bounds: Sequence[float], value: float) -> int:
    """The 1-based bucket a value falls in, as the scripts' `observe` picks it."""
    return next((i for i, bound in enumerate(bounds, 1) if value <= bound), len(bounds) + 1)


def _split(field_name: str) -> tuple[str, str]:
    # The outcome comes first and has no `|`; a schedule's name may.
    outcome, _, name = field_name.partition("|")
    return outcome, name


def _ints(raw: Mapping[str, Any]) -> dict[str, int]:
    return {k: _int(v) for k, v in raw.items()}


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
