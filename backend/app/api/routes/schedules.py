"""Seed 004's schedule endpoints plus pause, resume and run-now.

Each handler calls one operation of `ScheduleService` and shapes the response; every
rule lives in the schedule layer. Names travel percent-encoded in paths (`{name:path}`
so that a name containing `/` still reaches its entry).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from app.api import examples
from app.api.deps import IfMatchDep, JsonBody, Mutating, ServiceDep, SettingsDep
from app.core.config import Settings
from app.presentation import entry_view, message, upcoming
from app.schedules import MAX_PAGE, Entry, ListFilter

router = APIRouter(prefix="/api/scheduler", tags=["scheduler"])
ONE = "/schedule/{name:path}"
UPDATE_BODY = examples.body("ScheduleUpdate", examples.UPDATE_EXAMPLES)


def _view(entry: Entry, settings: Settings) -> dict[str, Any]:
    return entry_view(entry, settings.timezone, settings.language)


def _reply(
    entry: Entry, settings: Settings, response: Response, key: str, **extra: Any
) -> dict[str, Any]:
    response.headers["ETag"] = f'"{entry.etag}"'
    note = "note_file_managed" if entry.origin == "file" and key != "created" else "note_live"
    return {
        "message": message(key, settings.language, name=entry.name),
        "schedule": _view(entry, settings),
        "note": message(note, settings.language),
        **extra,
    }


@router.get("/schedule")
def list_schedules(
    service: ServiceDep,
    settings: SettingsDep,
    task: str | None = None,
    enabled: bool | None = None,
    origin: Literal["file", "api", "redbeat"] | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Seed 004's listing, one page at a time (follow `next_cursor` until it is null)."""
    page = service.list(ListFilter(task, enabled, origin), limit, cursor)
    return {
        "schedule": {e.name: _view(e, settings) for e in page.entries},
        "timezone": settings.timezone,
        "count": len(page.entries),
        "total": page.total,
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/schedule",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Mutating],
    openapi_extra=examples.body("ScheduleCreate", examples.CREATE_EXAMPLES),
)
def create_schedule(
    body: JsonBody, service: ServiceDep, settings: SettingsDep, response: Response
) -> dict[str, Any]:
    """Create a schedule (409 if the name exists). Beat picks it up within 1 second."""
    entry = service.create(body)
    return _reply(entry, settings, response, "created")


@router.get(ONE)
def get_schedule(
    name: str, service: ServiceDep, settings: SettingsDep, response: Response
) -> dict[str, Any]:
    """One schedule, with its next 5 fire times in its own timezone."""
    entry = service.get(name)
    response.headers["ETag"] = f'"{entry.etag}"'
    times = upcoming(entry, settings.timezone, 5)
    return {**_view(entry, settings), "upcoming": [t.isoformat() for t in times]}


@router.put(ONE, dependencies=[Mutating], openapi_extra=UPDATE_BODY)
@router.patch(
    ONE, dependencies=[Mutating], openapi_extra=UPDATE_BODY, operation_id="patch_schedule"
)
def update_schedule(
    name: str,
    body: JsonBody,
    service: ServiceDep,
    settings: SettingsDep,
    if_match: IfMatchDep,
    response: Response,
) -> dict[str, Any]:
    """Change the fields given; the rest stay. Run state is kept; 412 on a stale If-Match."""
    entry = service.update(name, body, if_match)
    return _reply(entry, settings, response, "updated")


@router.delete(ONE, dependencies=[Mutating])
def delete_schedule(
    name: str, service: ServiceDep, settings: SettingsDep, if_match: IfMatchDep
) -> dict[str, Any]:
    """Delete a schedule; nothing is sent for it once the call has returned."""
    service.delete(name, if_match)
    return {"message": message("deleted", settings.language, name=name), "name": name}


@router.post(ONE + "/pause", dependencies=[Mutating])
def pause_schedule(
    name: str, service: ServiceDep, settings: SettingsDep, if_match: IfMatchDep, r: Response
) -> dict[str, Any]:
    """Stop firing (its definition and run state stay) until resumed."""
    return _reply(service.set_enabled(name, False, if_match), settings, r, "paused")


@router.post(ONE + "/resume", dependencies=[Mutating])
def resume_schedule(
    name: str, service: ServiceDep, settings: SettingsDep, if_match: IfMatchDep, r: Response
) -> dict[str, Any]:
    """Fire again from the next slot after now."""
    return _reply(service.set_enabled(name, True, if_match), settings, r, "resumed")


@router.post(ONE + "/run", status_code=status.HTTP_202_ACCEPTED, dependencies=[Mutating])
def run_schedule(name: str, service: ServiceDep, settings: SettingsDep) -> dict[str, Any]:
    """Send the task now with the schedule's arguments; its timing is not disturbed."""
    task_id = service.run_now(name)
    text = message("run_sent", settings.language, name=name, task_id=task_id)
    return {"message": text, "name": name, "task_id": task_id}
