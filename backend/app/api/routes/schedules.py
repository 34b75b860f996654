"""Seed 004's schedule endpoints plus pause, resume and run-now.

Each handler calls one operation of `ScheduleService` and shapes the response; every
rule lives in the schedule layer. Names travel percent-encoded in paths (`{name:path}`
so that a name containing `/` still reaches its entry). Bodies are read as JSON whatever
their content type (seed 004's `curl -d` without `-H`; see `app.api.routing`), checked
against `ScheduleCreate` or `ScheduleUpdate`, and passed as received to the schedule
layer, which validates them in full. Routes that return entries leave out unset fields:
an entry shows its timing as written (`hour`, `cron`, ...) only when it has it.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Request, Response, status

from app.api.deps import ActorDep, IfMatchDep, Mutating, ServiceDep, SettingsDep
from app.api.examples import CREATE_EXAMPLES, UPDATE_EXAMPLES
from app.api.links import CHANGED_SCHEDULE, CREATED_SCHEDULE, RUN_SENT
from app.api.models import (
    RunSent,
    ScheduleChanged,
    ScheduleCreate,
    ScheduleDeleted,
    ScheduleDetail,
    SchedulesPublic,
    ScheduleUpdate,
    error_responses,
)
from app.api.models.errors import ETAG
from app.api.params import Name
from app.api.routing import JsonBodyRoute
from app.core.config import Settings
from app.presentation import entry_view, message, next_run_sentence, upcoming
from app.schedules import MAX_PAGE, Entry, ListFilter, Origin, RunStats, iso

router = APIRouter(prefix="/api/scheduler", tags=["scheduler"], route_class=JsonBodyRoute)
ONE = "/schedule/{name:path}"
CreateBody = Annotated[ScheduleCreate, Body(openapi_examples=CREATE_EXAMPLES)]
UpdateBody = Annotated[ScheduleUpdate, Body(openapi_examples=UPDATE_EXAMPLES)]
WITH_ETAG: dict[int | str, dict[str, Any]] = {200: {"headers": {"ETag": ETAG}}}
RUN_URL: dict[str, Any] = {
    "description": "`run_url`: where to follow the run.",
    "schema": {"type": "string"},
}
ACCEPTED: dict[int | str, dict[str, Any]] = {202: {"headers": {"Location": RUN_URL}}}
RUN_REFUSED = {
    409: "A run of it is still queued or running and its overlap policy is not `allow`, "
    "or another run holds its lock_key: nothing was sent. `detail` names `force`; "
    "`?force=true` runs it anyway."
}
CREATED: dict[int | str, dict[str, Any]] = {201: {"headers": {"ETag": ETAG}}}
CHANGED = WITH_ETAG | error_responses(401, 404, 412, 422, 503)


def _view(entry: Entry, settings: Settings) -> dict[str, Any]:
    return entry_view(entry, settings.timezone, settings.language)


def _streak(stats: RunStats) -> dict[str, Any]:
    return {
        "last_outcome": stats.last_outcome,
        "last_finished_at": iso(stats.last_finished_at),
        "consecutive_failures": stats.consecutive_failures,
    }


def _reply(entry: Entry, settings: Settings, response: Response, key: str) -> dict[str, Any]:
    response.headers["ETag"] = f'"{entry.etag}"'
    note = "note_file_managed" if entry.origin == "file" and key != "created" else "note_live"
    view = _view(entry, settings)
    return {
        "message": message(key, settings.language, name=entry.name),
        "schedule": view,
        "note": message(note, settings.language),
        "next_run": next_run_sentence(view, settings.timezone, settings.language),
    }


@router.get(
    "/schedule",
    name="schedules-list",
    response_model=SchedulesPublic,
    response_model_exclude_unset=True,
    responses=error_responses(422, 503),
)
def list_schedules(
    service: ServiceDep,
    settings: SettingsDep,
    task: str | None = None,
    enabled: bool | None = None,
    origin: Origin | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(description="The last page's `next_cursor`.")] = None,
) -> dict[str, Any]:
    """Seed 004's listing, one page at a time (follow `next_cursor` until it is null)."""
    page = service.list(ListFilter(task, enabled, origin), limit, cursor)
    stats = service.store.stats_many(e.name for e in page.entries)  # one round trip
    return {
        "schedule": {e.name: _view(e, settings) | _streak(stats[e.name]) for e in page.entries},
        "timezone": settings.timezone,
        "count": len(page.entries),
        "total": page.total,
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/schedule",
    name="schedules-create",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Mutating],
    response_model=ScheduleChanged,
    response_model_exclude_unset=True,
    responses=CREATED | error_responses(401, 409, 422, 503),
    openapi_extra=CREATED_SCHEDULE,
)
def create_schedule(
    body: CreateBody,
    service: ServiceDep,
    settings: SettingsDep,
    response: Response,
    actor: ActorDep,
) -> dict[str, Any]:
    """Create a schedule (409 if the name exists). Beat picks it up within 1 second.

    The body is read as JSON whatever the Content-Type (`curl -d` without `-H` works)."""
    entry = service.create(body.received, actor=actor)
    return _reply(entry, settings, response, "created")


@router.get(
    ONE,
    name="schedules-get",
    response_model=ScheduleDetail,
    response_model_exclude_unset=True,
    responses=WITH_ETAG | error_responses(404, 422, 503),
)
def get_schedule(
    name: Name, service: ServiceDep, settings: SettingsDep, response: Response
) -> dict[str, Any]:
    """One schedule, with its next 5 fire times in its own timezone and its run stats
    (its runs are at `/api/scheduler/schedule/{name}/runs`)."""
    entry = service.get(name)
    response.headers["ETag"] = f'"{entry.etag}"'
    times = upcoming(entry, settings.timezone, 5)
    stats = service.store.stats(name)
    return {
        **_view(entry, settings),
        **_streak(stats),
        "upcoming": [t.isoformat() for t in times],
        "stats": stats.as_dict(),
    }


def update_schedule(
    name: Name,
    body: UpdateBody,
    service: ServiceDep,
    settings: SettingsDep,
    if_match: IfMatchDep,
    response: Response,
    actor: ActorDep,
) -> dict[str, Any]:
    """Change the fields given; the rest stay. Run state is kept; 412 on a stale If-Match.

    The body is read as JSON whatever the Content-Type (`curl -d` without `-H` works)."""
    entry = service.update(name, body.received, if_match, actor=actor)
    return _reply(entry, settings, response, "updated")


# Seed 004 sends PUT; both methods change only the fields given.
for method, verb in (("PUT", "update"), ("PATCH", "patch")):
    router.add_api_route(
        ONE,
        update_schedule,
        methods=[method],
        name=f"schedules-{verb}",
        dependencies=[Mutating],
        response_model=ScheduleChanged,
        response_model_exclude_unset=True,
        responses=CHANGED,
        openapi_extra=CHANGED_SCHEDULE,
    )


@router.delete(
    ONE,
    name="schedules-delete",
    dependencies=[Mutating],
    response_model=ScheduleDeleted,
    responses=error_responses(401, 404, 412, 422, 503),
)
def delete_schedule(
    name: Name, service: ServiceDep, settings: SettingsDep, if_match: IfMatchDep, actor: ActorDep
) -> dict[str, Any]:
    """Delete a schedule; nothing is sent for it once the call has returned."""
    service.delete(name, if_match, actor=actor)
    return {"message": message("deleted", settings.language, name=name), "name": name}


@router.post(
    ONE + "/pause",
    name="schedules-pause",
    dependencies=[Mutating],
    response_model=ScheduleChanged,
    response_model_exclude_unset=True,
    responses=CHANGED,
    openapi_extra=CHANGED_SCHEDULE,
)
def pause_schedule(
    name: Name,
    service: ServiceDep,
    settings: SettingsDep,
    if_match: IfMatchDep,
    r: Response,
    actor: ActorDep,
) -> dict[str, Any]:
    """Stop firing (its definition and run state stay) until resumed."""
    return _reply(service.set_enabled(name, False, if_match, actor), settings, r, "paused")


@router.post(
    ONE + "/resume",
    name="schedules-resume",
    dependencies=[Mutating],
    response_model=ScheduleChanged,
    response_model_exclude_unset=True,
    responses=CHANGED,
    openapi_extra=CHANGED_SCHEDULE,
)
def resume_schedule(
    name: Name,
    service: ServiceDep,
    settings: SettingsDep,
    if_match: IfMatchDep,
    r: Response,
    actor: ActorDep,
) -> dict[str, Any]:
    """Fire again from the next slot after now."""
    return _reply(service.set_enabled(name, True, if_match, actor), settings, r, "resumed")


@router.post(
    ONE + "/run",
    name="schedules-run",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Mutating],
    response_model=RunSent,
    responses=ACCEPTED | error_responses(401, 404, 409, 422, 503, described=RUN_REFUSED),
    openapi_extra=RUN_SENT,
)
def run_schedule(
    name: Name,
    service: ServiceDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    force: Annotated[
        bool,
        Query(
            description="Run even if a run is still queued or running (overlap policy) "
            "or its lock_key is held."
        ),
    ] = False,
) -> dict[str, Any]:
    """Send the task now with the schedule's arguments; its timing is not disturbed.

    The run is recorded in the schedule's history: follow it at `run_url` (also the
    `Location` header, `/api/scheduler/runs/{task_id}`). 409 `run_refused` when a run
    is still queued or running and the overlap policy is not `allow`, or its lock_key
    is held, unless `force=true`; min_gap does not apply to a run asked for by hand.
    """
    task_id = service.run_now(name, force=force)
    base = request.scope.get("root_path", "") + router.prefix
    run_url = f"{base}/runs/{quote(task_id, safe='')}"
    response.headers["Location"] = run_url
    return {
        "message": message("run_sent", settings.language, name=name, task_id=task_id),
        "name": name,
        "task_id": task_id,
        "run_url": run_url,
        "runs_url": f"{base}/schedule/{quote(name, safe='')}/runs",
    }
