"""Seed 002's `SchedulerService`: a static class application code drives from Python.

Seed 002 runs a scheduler loop inside each application process. Here the loop is Celery
Beat and the jobs run on Celery workers, so this class only edits the one set of
schedules in Redis, through ScheduleService (every rule, check and audit record the API
has): any number of processes may call it, and they all see the same jobs. `start()`
and `stop()` are the global resume and pause (seed 000's scheduler start and stop):
they stop every schedule's dispatching, not only the jobs added here, and no process
has to keep running for jobs to fire.

Sync or async: as seed 002's callers use it. `add_job`, `remove_job`, `start` and `stop`
are awaited there, so they are coroutines here, which do their Redis work in a thread
(`asyncio.to_thread`) so an event loop is never blocked on it. `init`, `shutdown`,
`is_initialized`, `get_scheduler` and the status calls are plain calls, as in seed 002;
the status calls read Redis directly (a few milliseconds; `get_all_jobs_status` reads
every schedule, so call it from a thread when there are thousands).
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from celery import Celery
from redis import Redis

from app.core.config import Language, Settings, get_settings, use_settings
from app.core.redis import celery_redis_conf
from app.core.run_dir import resolved_redis_url
from app.facade.job import ScheduleJob, in_job_words, seed_form
from app.presentation import timing_in_words
from app.schedules import (
    MAX_PAGE,
    Entry,
    ListFilter,
    PauseState,
    RunStats,
    ScheduleExists,
    ScheduleNotFound,
    ScheduleService,
    ScheduleStore,
    ScheduleType,
    TaskRegistry,
)


class SchedulerNotInitialized(RuntimeError):
    """A call before SchedulerService.init() (or after shutdown())."""

    def __init__(self) -> None:
        super().__init__("SchedulerService.init() must be called first")


@dataclass(frozen=True)
class JobStatus:
    """One job as seed 002 reports it, from the schedule and its run history.

    `run_count` and `error_count` are finished runs and failed ones (failed, timed out or
    lost) from the history; `last_run` is when the last run ended; `next_run` is when
    Beat sends it next (None when disabled or finished). Times are in the job's timezone.
    """

    job_id: str
    name: str
    task: str
    schedule_type: ScheduleType
    schedule_value: Any
    timing: str
    enabled: bool
    use_distributed_lock: bool
    lock_key: str | None
    lock_ttl: float | None
    max_retries: int
    origin: str
    last_run: datetime | None
    next_run: datetime | None
    run_count: int
    error_count: int
    consecutive_failures: int
    last_outcome: str | None

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for key in ("last_run", "next_run"):
            data[key] = data[key].isoformat() if data[key] else None
        if isinstance(data["schedule_value"], datetime):
            data["schedule_value"] = data["schedule_value"].isoformat()
        data["schedule_type"] = str(self.schedule_type)
        return data


class SchedulerService:
    """Seed 002's static scheduler service, over the shared schedules in Redis."""

    _service: ClassVar[ScheduleService | None] = None
    _redis: ClassVar[Redis | None] = None
    _settings: ClassVar[Settings | None] = None
    # Celery's settings init() changed, as they were before (shutdown() puts them back).
    _celery_before: ClassVar[dict[str, Any]] = {}

    @classmethod
    def init(cls, settings: Settings | None = None) -> None:
        """Connect to the Redis of the settings: REDIS_URL, or with none named, the one
        a running ./run.sh embedded, as the CLI finds it. A second call keeps the first
        connection. Seed 002's lock service is not needed: locks live in the same Redis
        as the schedules.

        The settings passed (else the environment's) are put in force for this whole
        process until shutdown() (app.core.config.use_settings): every limit, cap and
        run-now setting is read from them, and Celery is pointed at their Redis, so
        `get_scheduler().run_now()` publishes to the Redis that holds the schedules.
        """
        if cls._service is not None:
            return
        settings = settings or get_settings()
        url = resolved_redis_url(settings)
        if url != settings.redis_url:
            # No REDIS_URL named: the Redis a running ./run.sh embedded, found as the CLI
            # finds it (app.core.run_dir).
            settings = settings.model_copy(update={"redis_url": url})
        use_settings(settings)
        # Imported here, once the settings are in force: building the Celery app reads
        # them; importing this module must not.
        from app.core.celery_app import celery_app
        from app.core.redis import make_redis

        cls._celery_before = _point_celery_at(celery_app, settings)
        cls._settings = settings
        cls._redis = make_redis(cls._settings)
        store = ScheduleStore(cls._redis, celery_app, cls._settings.timezone)
        cls._service = ScheduleService(store, TaskRegistry.from_celery(celery_app))

    @classmethod
    def is_initialized(cls) -> bool:
        return cls._service is not None

    @classmethod
    def shutdown(cls) -> None:
        """Close the connection. The jobs stay scheduled: Beat and the workers run them."""
        if cls._redis is not None:
            cls._redis.close()
        if cls._settings is not None:
            from app.core.celery_app import celery_app

            if cls._celery_before:
                celery_app.conf.update(cls._celery_before)
                _forget_connections(celery_app)
            use_settings(None)
        cls._service = cls._redis = cls._settings = None
        cls._celery_before = {}

    @classmethod
    def get_scheduler(cls) -> ScheduleService:
        """The schedule service underneath, for everything seed 002 has no call for."""
        if cls._service is None:
            raise SchedulerNotInitialized()
        return cls._service

    @classmethod
    async def start(cls) -> PauseState:
        """Resume all dispatching (each job from its next time after now)."""
        service = cls.get_scheduler()
        return await asyncio.to_thread(service.resume, actor=_actor())

    @classmethod
    async def stop(cls, reason: str | None = None) -> PauseState:
        """Pause all dispatching: every schedule, not only the jobs added here. Each
        due time meanwhile is recorded as skipped; `start()` resumes."""
        service = cls.get_scheduler()
        return await asyncio.to_thread(service.pause, reason, actor=_actor())

    @classmethod
    async def add_job(cls, job: ScheduleJob) -> bool:
        """Schedule `job` for every process; True when this call created or changed it.

        Adding the same job again (each process does at its start) changes nothing; a
        job whose definition changed replaces the stored one, run state kept. A ONCE
        job with no time runs as soon as it is first added, and is not re-added. Raises
        InvalidSchedule naming the ScheduleJob field and the bad value.
        """
        service = cls.get_scheduler()
        return await asyncio.to_thread(_add, service, job)

    @classmethod
    async def remove_job(cls, job_id: str) -> bool:
        """Delete the job's schedule; False when there was none. Its history stays
        readable while it is kept."""
        service = cls.get_scheduler()
        return await asyncio.to_thread(_remove, service, job_id)

    @classmethod
    def _language(cls) -> Language:
        return cls._settings.language if cls._settings is not None else "en"

    @classmethod
    def get_job_status(cls, job_id: str) -> JobStatus | None:
        """The job's status, or None when there is no such job."""
        service = cls.get_scheduler()
        entry = service.store.get(job_id)
        if entry is None:
            return None
        return _status(
            entry, service.store.stats(job_id), service.store.default_tz, cls._language()
        )

    @classmethod
    def get_all_jobs_status(cls) -> dict[str, JobStatus]:
        """Every schedule in Redis (made here, by the API, the file or RedBeat), by
        job_id, in name order."""
        service = cls.get_scheduler()
        found: dict[str, JobStatus] = {}
        cursor: str | None = None
        while True:
            page = service.list(ListFilter(), limit=MAX_PAGE, cursor=cursor)
            stats = service.store.stats_many(e.name for e in page.entries)
            for entry in page.entries:
                found[entry.name] = _status(
                    entry, stats[entry.name], service.store.default_tz, cls._language()
                )
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor


# Celery's TLS settings for its Redis, and their values without TLS.
def _point_celery_at(app: Celery, settings: Settings) -> dict[str, Any]:
    """Point the Celery app's broker, result backend and RedBeat at the Redis of
    `settings`, TLS and Sentinel options included, when they point elsewhere (the app was built from
    the environment when first imported). Returns the values it replaced."""
    wanted = celery_redis_conf(settings)
    before = {key: app.conf.get(key) for key in wanted}
    if before == wanted:
        return {}
    app.conf.update(wanted)
    _forget_connections(app)
    return before


def _forget_connections(app: Celery) -> None:
    """Drop the connections Celery keeps (made lazily, on the first send), so the next
    send connects with the app's current settings."""
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()  # where a backend that is not thread-safe is kept
    # RedBeat keeps its client, its Sentinel client and its configuration on the app.
    for attribute in ("redbeat_redis", "redbeat_sentinel", "redbeat_conf"):
        app.__dict__.pop(attribute, None)


def _actor() -> str:
    """Who changed a schedule, for the audit trail: facade:user@host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        user = str(os.getuid())
    return f"facade:{user}@{socket.gethostname()}"


def _add(service: ScheduleService, job: ScheduleJob) -> bool:
    body = job.definition()
    with in_job_words():
        try:
            service.create(body, actor=_actor())
            return True
        except ScheduleExists:
            pass
        if job.runs_at_once:
            return False  # it ran, or is about to: adding it again must not run it again
        current = service.get(job.job_id)
        wanted = service.check({k: v for k, v in body.items() if k != "name"}).to_document()
        stored = current.spec.to_document() if current.spec is not None else None
        if wanted == stored:
            return False
        service.update(job.job_id, _replacing(stored or {}, wanted), actor=_actor())
        return True


def _remove(service: ScheduleService, job_id: str) -> bool:
    try:
        service.delete(job_id, actor=_actor())
    except ScheduleNotFound:
        return False
    return True


def _replacing(stored: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """A patch that turns `stored` into `wanted`: what is gone is reset (null), and
    policy and options, which a patch merges key by key, are replaced whole."""
    patch: dict[str, Any] = {key: None for key in stored if key not in wanted}
    for key, value in wanted.items():
        old = stored.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and key in ("policy", "options"):
            value = {**{k: None for k in old if k not in value}, **value}
        patch[key] = value
    return patch


def _status(entry: Entry, stats: RunStats, default_tz: str, language: Language) -> JobStatus:
    zone: tzinfo = ZoneInfo((entry.spec.timezone if entry.spec else None) or default_tz)
    spec = entry.spec
    kind, value = seed_form(spec) if spec is not None else (ScheduleType.CRON, None)
    policy = spec.policy if spec is not None else None
    finished = stats.last_finished_at
    due = entry.due_at
    return JobStatus(
        job_id=entry.name,
        name=(spec.description if spec is not None else "") or entry.name,
        task=entry.task,
        schedule_type=kind,
        schedule_value=value,
        timing=timing_in_words(spec, default_tz, language)
        if spec is not None
        else repr(entry.schedule),
        enabled=entry.enabled,
        use_distributed_lock=bool(policy and policy.lock_key),
        lock_key=policy.lock_key if policy else None,
        lock_ttl=policy.lease_seconds if policy else None,
        max_retries=policy.max_retries if policy else 0,
        origin=entry.origin,
        last_run=datetime.fromtimestamp(finished, zone) if finished is not None else None,
        next_run=due.astimezone(zone) if due is not None else None,
        run_count=stats.run_count,
        error_count=stats.error_count,
        consecutive_failures=stats.consecutive_failures,
        last_outcome=stats.last_outcome,
    )
