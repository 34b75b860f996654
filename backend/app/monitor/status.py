"""What runs around the schedules: Beat leadership, workers, Redis, the schedules.json sync.

Read-only and free of terminal concerns: the CLI prints it, and the API's status
endpoint can return `SystemStatus.as_dict()` and `health_problems(...)` as they are.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast
from urllib.parse import unquote, urlsplit

from redis.exceptions import RedisError

from app.core.constants import OVERDUE_SCAN_LIMIT
from app.core.redis import redacted_url
from app.execution.presence import WorkerPresence
from app.monitor.workers import WorkerSource, WorkersSeen, read_workers
from app.schedules import PauseState, PickupStore, ScheduleStore, overdue_by
from app.schedules_file import read_state


@dataclass(frozen=True)
class BeatInstance:
    """One Beat process, as its heartbeat describes it (see app/beat/leadership.py)."""

    instance: str
    host: str | None = None
    pid: int | None = None
    role: str | None = None
    leader_since: datetime | None = None
    last_tick: datetime | None = None

    @classmethod
    def parse(cls, raw: str | None) -> BeatInstance | None:
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return cls(instance="(unreadable heartbeat)")
        if not isinstance(data, dict):
            return cls(instance="(unreadable heartbeat)")
        pid = data.get("pid")
        return cls(
            instance=str(data.get("instance") or "?"),
            host=data.get("host"),
            pid=pid if isinstance(pid, int) else None,
            role=data.get("role"),
            leader_since=_parse_time(data.get("leader_since")),
            last_tick=_parse_time(data.get("last_tick")),
        )


@dataclass(frozen=True)
class BeatStatus:
    leader: BeatInstance | None
    # The lock's token: our Beats use their instance id, a stock RedBeat its own token.
    lock_holder: str | None
    instances: tuple[BeatInstance, ...] = ()

    @property
    def running(self) -> bool:
        return self.leader is not None or self.lock_holder is not None

    @property
    def standbys(self) -> list[BeatInstance]:
        leader = self.leader.instance if self.leader else self.lock_holder
        return [i for i in self.instances if i.instance != leader]


@dataclass(frozen=True)
class PickupStatus:
    """How the leading Beat picks up entries saved with RedBeat's own API, as it last
    recorded (app/beat/notifications.py): at once by keyspace notifications, or at its
    next look, within `poll_seconds`, when they are off (`reason` says why)."""

    keyspace_notifications: bool
    reason: str | None = None
    instance: str | None = None
    since: datetime | None = None
    poll_seconds: float | None = None

    @classmethod
    def parse(cls, raw: str | None) -> PickupStatus | None:
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("keyspace_notifications"), bool):
            return None
        reason, instance, poll = data.get("reason"), data.get("instance"), data.get("poll_seconds")
        return cls(
            keyspace_notifications=data["keyspace_notifications"],
            reason=reason if isinstance(reason, str) else None,
            instance=instance if isinstance(instance, str) else None,
            since=_parse_time(data.get("since")),
            poll_seconds=float(poll) if isinstance(poll, int | float) else None,
        )


@dataclass(frozen=True)
class Overdue:
    name: str
    due_at: datetime
    late_by: timedelta

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "due_at": self.due_at.isoformat(),
            "late_seconds": self.late_by.total_seconds(),
        }


@dataclass(frozen=True)
class OverdueReport:
    """Enabled entries due longer ago than the grace period, the most overdue first."""

    entries: tuple[Overdue, ...]
    # More past-due candidates exist than OVERDUE_SCAN_LIMIT let us read.
    unread: int = 0


@dataclass(frozen=True)
class SystemStatus:
    redis_url: str  # password hidden
    redis_error: str | None = None
    beat: BeatStatus | None = None
    sync: dict[str, Any] | None = None
    # Hostnames of live workers (from their presence keys, or that answered a ping);
    # None when not asked, or when asking failed.
    workers: list[str] | None = None
    workers_error: str | None = None
    # Each worker's heartbeat record (presence only) and where `workers` came from.
    worker_details: list[WorkerPresence] | None = None
    workers_source: WorkerSource | None = None
    schedules: int | None = None
    pause: PauseState | None = None
    # None while no Beat leads (the leader renews it) or Redis is unreachable.
    pickup: PickupStatus | None = None
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def redis_ok(self) -> bool:
        return self.redis_error is None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["redis_ok"] = self.redis_ok
        data["paused"] = self.pause.paused if self.pause is not None else None
        data["pause"] = self.pause.as_dict() if self.pause is not None else None
        if self.beat is not None:
            data["beat"]["running"] = self.beat.running
        return cast(dict[str, Any], _jsonable(data))


@dataclass(frozen=True)
class HealthProblem:
    """One reason the system is not healthy, as data; the caller words it."""

    code: Literal["redis_down", "no_beat", "sync_error", "overdue", "failing"]
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FailingReport:
    """Enabled schedules whose last `threshold` or more runs all failed, the longest
    streak first."""

    threshold: int
    entries: tuple[tuple[str, int], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "schedules": [{"name": n, "consecutive_failures": s} for n, s in self.entries],
        }


def read_beat(store: ScheduleStore) -> BeatStatus:
    records = store.beats.read()
    found = [BeatInstance.parse(raw) for raw in records.instances]
    return BeatStatus(
        leader=BeatInstance.parse(records.leader),
        lock_holder=records.lock_holder,
        instances=tuple(i for i in found if i is not None),
    )


def read_status(
    store: ScheduleStore, redis_url: str, *, worker_timeout: float | None = 0.0
) -> SystemStatus:
    """Everything at once; an unreachable Redis is reported, not raised.

    `worker_timeout`: 0 (default) reads the workers' presence keys, which waits for
    nobody; above 0, a live broadcast ping waiting that long; None leaves workers out.
    """
    url = redacted_url(redis_url)
    try:
        store.ping()
    except RedisError as exc:
        return SystemStatus(url, redis_error=scrub(str(exc), redis_url))
    try:
        seen = read_workers(store, worker_timeout)
    except Exception as exc:  # a broker hiccup must not hide the rest of the status
        seen = WorkersSeen(error=scrub(str(exc) or type(exc).__name__, redis_url))
    return SystemStatus(
        url,
        beat=read_beat(store),
        sync=read_state(store),
        workers=seen.names,
        workers_error=seen.error,
        worker_details=seen.details,
        workers_source=seen.source,
        schedules=store.count(),
        pause=store.pause_state(),
        pickup=PickupStatus.parse(PickupStore(store.redis).read_state()),
    )


def find_overdue(
    store: ScheduleStore,
    now: datetime,
    grace: timedelta,
    limit: int = OVERDUE_SCAN_LIMIT,
) -> OverdueReport:
    """Enabled entries whose due time lies more than `grace` before `now`.

    The due-time index answers which entries are past due without reading the rest
    (paused and finished ones score below 0 and are skipped); only those are read, to
    drop entries that are disabled but not yet re-scored by Beat.
    """
    past = store.overdue(now - grace, limit)
    found = []
    for entry in past.entries:
        late = overdue_by(entry, now)
        due_at = entry.due_at  # what `late` counts from (not RedBeat's truncated score)
        # The score can be earlier than the real due time (RedBeat truncates it), so an
        # entry read as a candidate may still be within its grace.
        if due_at is not None and late is not None and late > grace:
            found.append(Overdue(entry.name, due_at, late))
    return OverdueReport(tuple(found), unread=max(past.total - past.read, 0))


def find_failing(store: ScheduleStore, threshold: int) -> FailingReport:
    """Enabled schedules failing `threshold` or more times in a row, worst first.

    One read of the failure streaks; only when some reach the threshold, one more
    round trip reads those entries: a paused schedule is silenced (pausing it is how an
    operator acknowledges it), and one deleted has nothing left to fix.
    """
    streaks = store.failing(threshold)
    if not streaks:
        return FailingReport(threshold, ())
    entries = store.get_many(name for name, _ in streaks)
    kept = tuple((n, s) for n, s in streaks if n in entries and entries[n].enabled)
    return FailingReport(threshold, kept)


def health_problems(
    status: SystemStatus,
    overdue: OverdueReport | None,
    failing: FailingReport | None = None,
) -> list[HealthProblem]:
    """What `--check` and a status endpoint report as unhealthy, most basic first."""
    if not status.redis_ok:
        return [HealthProblem("redis_down", {"url": status.redis_url, "error": status.redis_error})]
    problems = []
    if status.beat is not None and not status.beat.running:
        problems.append(HealthProblem("no_beat"))
    if status.sync is not None and status.sync.get("ok") is False:
        problems.append(HealthProblem("sync_error", dict(status.sync)))
    if overdue is not None and (overdue.entries or overdue.unread):
        late = [o.as_dict() for o in overdue.entries]
        count = len(late) + overdue.unread
        problems.append(HealthProblem("overdue", {"count": count, "entries": late}))
    if failing is not None and failing.entries:
        detail = {"count": len(failing.entries), **failing.as_dict()}
        problems.append(HealthProblem("failing", detail))
    return problems


def scrub(text: str, redis_url: str) -> str:
    """`text` with the URL's password removed, wherever a library quoted it."""
    raw = urlsplit(redis_url).password
    for secret in {raw, unquote(raw)} if raw else set():
        text = text.replace(secret, "***")
    return text


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
