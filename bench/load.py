"""Bulk-loading schedules for the benchmarks, with pipelined writes.

`load_ours` writes what our store writes (`definition` in RedBeat's JSON, our
`manager`, RedBeat's `meta`, the `redbeat::schedule` score) for many entries per round
trip; both Beats read the same data, since the `definition` and `meta` fields are
RedBeat's own format. `load_stock` writes through RedBeat's `entry.save()`, one entry
per round trip, as a stock RedBeat user would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis

from app.core.constants import FIELD_META, REDBEAT_SCHEDULE_KEY
from app.schedules import entry as codec
from app.schedules.keys import entry_key
from app.schedules.spec import ScheduleSpec, parse_spec
from app.schedules.timing import build_schedule, first_due
from bench import common

TIMEZONE = "Asia/Seoul"


def celery_app() -> Any:
    from app.core.celery_app import celery_app as app

    return app


@dataclass
class Planned:
    """One entry to load: its spec, run state and due-time score."""

    name: str
    spec: ScheduleSpec
    score: float
    last_run_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


def interval_spec(seconds: float, args: list[Any] | None = None) -> ScheduleSpec:
    return parse_spec({"task": common.TASK, "interval": seconds, "args": args or []})


def due_at(names: Iterable[str], moment: float, every: float = 3600) -> list[Planned]:
    """Plain interval entries whose next run is `moment`: both Beats read these alike."""
    last = datetime.fromtimestamp(moment - every, UTC)
    spec = interval_spec(every)
    return [Planned(n, spec, moment, last) for n in names]


def anchored_at(index: int, moment: float, every: int = 3600) -> Planned:
    """An anchored interval first due at `moment` (RedBeat reads it as an rrule); its
    args carry the index, so a consumer of the queue can tell whose message it is."""
    anchor = datetime.fromtimestamp(moment, UTC).isoformat()
    spec = parse_spec({"task": common.TASK, "interval": every, "anchor": anchor, "args": [index]})
    return Planned(f"late_{index:06d}", spec, moment)


def crontab_entries(count: int, prefix: str = "cron") -> list[Planned]:
    """Typical API entries (a daily crontab with kwargs and a description), due as the
    store would compute it."""
    app = celery_app()
    spec = parse_spec(
        {
            "task": common.TASK,
            "minute": "30",
            "hour": "14",
            "day_of_week": "3",
            "kwargs": {"broker_timeout_seconds": 2.0},
            "description": "weekly status check",
        }
    )
    due = first_due(build_schedule(spec, TIMEZONE, app), None, datetime.now(UTC))
    assert due is not None
    return [Planned(f"{prefix}_{i:06d}", spec, due.timestamp()) for i in range(count)]


def encode(planned: Iterable[Planned]) -> list[tuple[str, dict[str, str]]]:
    """Each entry's key and its `definition` and `manager` fields, as our store writes them."""
    app = celery_app()
    return [
        (entry_key(p.name), {**codec.encode(p.name, p.spec, "api", TIMEZONE, app), **p.extra})
        for p in planned
    ]


def write(
    redis: Redis, encoded: list[tuple[str, dict[str, str]]], meta: list[str], scores: list[float]
) -> None:
    """Write encoded entries with their run state and scores, LOAD_CHUNK per round trip."""
    pipe = redis.pipeline(transaction=False)
    for i, (key, fields) in enumerate(encoded):
        mapping: Any = {**fields, FIELD_META: meta[i]}  # redis-py's Mapping is invariant
        pipe.hset(key, mapping=mapping)
        pipe.zadd(REDBEAT_SCHEDULE_KEY, {key: scores[i]})
        if (i + 1) % common.LOAD_CHUNK == 0:
            pipe.execute()
    pipe.execute()


def restamp(redis: Redis, names: list[str], meta: list[str], score: float) -> None:
    """Give loaded entries new run state and due score, leaving their definition as its
    writer wrote it (entries loaded once, then made due at a chosen moment per run)."""
    pipe = redis.pipeline(transaction=False)
    for i, name in enumerate(names):
        key = entry_key(name)
        pipe.hset(key, FIELD_META, meta[i])
        pipe.zadd(REDBEAT_SCHEDULE_KEY, {key: score})
        if (i + 1) % common.LOAD_CHUNK == 0:
            pipe.execute()
    pipe.execute()


def load_ours(redis: Redis, planned: list[Planned]) -> int:
    """Write entries as our store does, many per round trip; returns the count."""
    meta = [codec.encode_meta(p.last_run_at, 0) for p in planned]
    write(redis, encode(planned), meta, [p.score for p in planned])
    return len(planned)


def point_redbeat_at(url: str) -> None:
    """Make RedBeat's own client (entry.save(), delete()) use the Redis at `url`."""
    from redbeat.schedulers import RedBeatConfig

    app = celery_app()
    app.conf.redbeat_redis_url = url
    app.redbeat_conf = RedBeatConfig(app)
    app.redbeat_redis = None


def load_stock(planned: Iterable[Planned]) -> int:
    """Write entries with RedBeat's own `RedBeatSchedulerEntry.save()`, one round trip
    each, to the Redis `point_redbeat_at` named."""
    from redbeat import RedBeatSchedulerEntry

    app = celery_app()
    written = 0
    for item in planned:
        spec = item.spec
        RedBeatSchedulerEntry(
            name=item.name,
            task=spec.task,
            schedule=build_schedule(spec, TIMEZONE, app),
            args=spec.args,
            kwargs=spec.kwargs,
            options=spec.options.model_dump(exclude_none=True),
            app=app,
            last_run_at=item.last_run_at,
        ).save()
        written += 1
    return written


def far_future(count: int, prefix: str = "idle") -> list[Planned]:
    """Interval entries none of which comes due within the next day."""
    return due_at(
        (f"{prefix}_{i:06d}" for i in range(count)),
        (datetime.now(UTC) + timedelta(days=1)).timestamp(),
        every=7 * 86400,
    )
