"""Seed 000's API as printed: `/scheduler/start|stop|status` and `/scheduler/jobs...`.

A thin adapter: each handler calls ScheduleService (through app.schedules.Jobs, which
only renames fields) and shapes the answer in seed 000's words; every rule is the one the
full API (`/api/scheduler/...`) applies. A job is named in a path by its numeric id
(`/scheduler/jobs/1`) or by its name (percent-encoded); an all-digit path is an id.
Mutating routes need the API token exactly as the full API's do.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Path, Query, status
from redis.exceptions import ConnectionError as RedisConnectionError

from app.api.deps import ActorDep, Mutating, ServiceDep, SettingsDep
from app.api.links import CHANGED_JOB, CREATED_JOB
from app.api.models import error_responses
from app.api.models.control import PauseRequest
from app.api.models.jobs import (
    JobChanged,
    JobCreate,
    JobDeleted,
    JobDetail,
    JobsPublic,
    JobUpdate,
    PresetsCreated,
    SchedulerChanged,
    SchedulerState,
)
from app.api.routing import JsonBodyRoute
from app.core.config import Settings
from app.monitor import MAX_LIMIT, read_status, run_view, schedule_runs
from app.presentation import entry_view, message
from app.schedules import (
    MAX_PAGE,
    Entry,
    Jobs,
    ListFilter,
    RunStats,
    ScheduleNotFound,
    category_of,
    cron_expression,
    function_name,
)

router = APIRouter(prefix="/scheduler", tags=["seed 000 jobs"], route_class=JsonBodyRoute)
ONE = "/jobs/{job:path}"
Job = Annotated[
    str,
    Path(description="The job's numeric id, or its name (percent-encoded).", examples=["1"]),
]
NOT_FOUND = {404: "No job has that id or name."}


def job_view(entry: Entry, job_id: int, stats: RunStats, settings: Settings) -> dict[str, Any]:
    """One job in seed 000's words (JobPublic), from the entry as the full API shows it."""
    view = entry_view(entry, settings.timezone, settings.language)
    policy = entry.spec.policy if entry.spec is not None else None
    return {
        "id": job_id,
        "name": entry.name,
        "job_type": category_of(entry),
        "function_name": function_name(entry.task),
        "task": entry.task,
        "cron_expression": cron_expression(entry),
        "schedule": view["timing_text"] or view["schedule"],
        "timezone": (view["timing"] or {}).get("timezone", settings.timezone),
        "parameters": entry.kwargs,
        "max_retries": policy.max_retries if policy else 0,
        "timeout_seconds": policy.timeout_seconds if policy else None,
        "is_active": entry.enabled,
        "description": view["description"],
        "origin": entry.origin,
        "next_run_at": view["next_run_at"],
        "next_run_in_seconds": view["next_run_in_seconds"],
        "next_run_in": view["next_run_in"],
        "last_run_at": view["last_run_at"],
        "run_count": entry.total_run_count,
        "last_outcome": stats.last_outcome,
        "consecutive_failures": stats.consecutive_failures,
        "url": f"/api/scheduler/schedule/{quote(entry.name, safe='')}",
    }


def _views(jobs: Jobs, entries: list[Entry], settings: Settings) -> list[dict[str, Any]]:
    """Several jobs with their ids and stats, in two round trips; one deleted since it
    was read is left out."""
    ids = jobs.ids(entries)
    stats = jobs.store.stats_many(e.name for e in entries)
    return [job_view(e, ids[e.name], stats[e.name], settings) for e in entries if e.name in ids]


def _one(jobs: Jobs, entry: Entry, settings: Settings) -> dict[str, Any]:
    views = _views(jobs, [entry], settings)
    if not views:
        raise ScheduleNotFound(entry.name)
    return views[0]


@router.post(
    "/start",
    name="jobs-scheduler-start",
    dependencies=[Mutating],
    response_model=SchedulerChanged,
    responses=error_responses(401, 503),
)
def start(service: ServiceDep, settings: SettingsDep, actor: ActorDep) -> dict[str, Any]:
    """Start sending jobs again (the global resume): each job from its next time; the
    times that passed while stopped stay skipped. Each job's `is_active` is untouched."""
    state = service.resume(actor)
    text = message("dispatch_resumed", settings.language)
    return {"message": text, "paused": state.paused, "pause": state.as_dict()}


@router.post(
    "/stop",
    name="jobs-scheduler-stop",
    dependencies=[Mutating],
    response_model=SchedulerChanged,
    responses=error_responses(401, 422, 503),
)
def stop(
    service: ServiceDep,
    settings: SettingsDep,
    actor: ActorDep,
    body: Annotated[PauseRequest | None, Body()] = None,
) -> dict[str, Any]:
    """Stop sending every job until started (the global pause); each due time meanwhile
    is recorded as skipped (`paused`). Each job's `is_active` is untouched; the stack
    keeps running, and running jobs finish."""
    state = service.pause(body.reason if body else None, actor)
    text = message("dispatch_paused", settings.language)
    return {"message": text, "paused": state.paused, "pause": state.as_dict()}


@router.get(
    "/status",
    name="jobs-scheduler-status",
    response_model=SchedulerState,
    responses=error_responses(503),
)
def scheduler_status(service: ServiceDep, settings: SettingsDep) -> dict[str, Any]:
    """Whether jobs are being sent: a Beat leads and the scheduler is not stopped.
    (`/api/scheduler/status` has the full picture: workers, file sync, overdue jobs.)"""
    found = read_status(service.store, settings.redis_url, worker_timeout=0)
    if found.redis_error is not None or found.pause is None:
        raise RedisConnectionError(found.redis_error)
    beat = found.beat is not None and found.beat.running
    paused = found.pause.paused
    key = "scheduler_stopped" if paused else "scheduler_running" if beat else "scheduler_no_beat"
    return {
        "running": beat and not paused,
        "paused": paused,
        "pause": found.pause.as_dict(),
        "beat_running": beat,
        "jobs": found.schedules or 0,
        "timezone": settings.timezone,
        "message": message(key, settings.language),
    }


@router.get(
    "/jobs",
    name="jobs-list",
    response_model=JobsPublic,
    responses=error_responses(422, 503),
)
def list_jobs(
    service: ServiceDep,
    settings: SettingsDep,
    is_active: Annotated[bool | None, Query(description="Only active (or inactive) jobs.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(description="The last page's `next_cursor`.")] = None,
) -> dict[str, Any]:
    """Every job, in name order, a page at a time (follow `next_cursor`)."""
    page = service.list(ListFilter(enabled=is_active), limit, cursor)
    jobs = _views(Jobs(service), page.entries, settings)
    return {
        "jobs": jobs,
        "count": len(jobs),
        "total": page.total,
        "next_cursor": page.next_cursor,
        "timezone": settings.timezone,
    }


@router.post(
    "/jobs",
    name="jobs-create",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Mutating],
    response_model=JobChanged,
    responses=error_responses(401, 409, 422, 503),
    openapi_extra=CREATED_JOB,
)
def create_job(
    body: JobCreate, service: ServiceDep, settings: SettingsDep, actor: ActorDep
) -> dict[str, Any]:
    """Create a job (409 if the name is taken); Beat picks it up within a second."""
    jobs = Jobs(service)
    job = _one(jobs, jobs.create(body.model_dump(exclude_unset=True), actor), settings)
    text = message("job_created", settings.language, name=job["name"], job_id=job["id"])
    return {"message": text, "job": job}


@router.post(
    "/jobs/presets",
    name="jobs-presets",
    dependencies=[Mutating],
    response_model=PresetsCreated,
    responses=error_responses(401, 503),
)
def create_presets(service: ServiceDep, settings: SettingsDep, actor: ActorDep) -> dict[str, Any]:
    """Seed 000's six default jobs ("기본 작업 생성"). Each whose name is free is created;
    one that exists already is listed under `existing` and left exactly as it is, so
    calling this again changes nothing. Their names are those of the shipped
    schedules.json, so the ones the file created count as existing."""
    jobs = Jobs(service)
    applied = jobs.create_presets(actor)
    created = _views(jobs, applied.created, settings)
    existing = _views(jobs, applied.existing, settings)
    text = message(
        "presets_applied", settings.language, created=len(created), existing=len(existing)
    )
    return {"message": text, "created": created, "existing": existing}


@router.get(
    ONE,
    name="jobs-get",
    response_model=JobDetail,
    responses=error_responses(404, 422, 503, described=NOT_FOUND),
)
def get_job(
    job: Job,
    service: ServiceDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Runs to include.")] = 10,
) -> dict[str, Any]:
    """A job with its last `limit` runs (its execution history), newest first."""
    jobs = Jobs(service)
    entry = jobs.get(job)
    page = schedule_runs(service.store, entry.name, limit)
    stats = service.store.stats(entry.name)
    return {
        **_one(jobs, entry, settings),
        "runs": [run_view(r, settings.language) for r in page.runs],
        "stats": stats.as_dict(),
    }


@router.patch(
    ONE,
    name="jobs-update",
    dependencies=[Mutating],
    response_model=JobChanged,
    responses=error_responses(401, 404, 422, 503, described=NOT_FOUND),
    openapi_extra=CHANGED_JOB,
)
def update_job(
    job: Job, body: JobUpdate, service: ServiceDep, settings: SettingsDep, actor: ActorDep
) -> dict[str, Any]:
    """Change the fields given (`{"is_active": false}` switches a job off); the others
    stay. Beat applies the change within a second."""
    jobs = Jobs(service)
    view = _one(jobs, jobs.update(job, body.model_dump(exclude_unset=True), actor), settings)
    text = message("job_updated", settings.language, name=view["name"], job_id=view["id"])
    return {"message": text, "job": view}


@router.delete(
    ONE,
    name="jobs-delete",
    dependencies=[Mutating],
    response_model=JobDeleted,
    responses=error_responses(401, 404, 422, 503, described=NOT_FOUND),
)
def delete_job(
    job: Job, service: ServiceDep, settings: SettingsDep, actor: ActorDep
) -> dict[str, Any]:
    """Delete a job; its id is never given to another. Nothing is sent for it once
    this returns; its run history stays readable while it is kept."""
    name, job_id = Jobs(service).delete(job, actor)
    return {
        "message": message("job_deleted", settings.language, name=name),
        "id": job_id,
        "name": name,
    }
