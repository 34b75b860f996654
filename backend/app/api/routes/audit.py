"""A schedule's audit trail: who changed it, what changed, when, and from where.

Written by the schedule layer after each successful write (see app/schedules/audit.py);
a deleted schedule's trail stays readable for AUDIT_DELETED_KEEP_DAYS.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.deps import ServiceDep
from app.api.models import AuditPage, error_responses
from app.api.params import Cursor, Name
from app.monitor import MAX_LIMIT
from app.schedules import Change, ScheduleNotFound, describe, iso

router = APIRouter(prefix="/api/scheduler", tags=["audit"])
NO_TRAIL = {404: "No schedule has that name and no audit trail is kept for it."}
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Changes per page.")]


def change_view(change: Change) -> dict[str, Any]:
    return {
        "id": change.id,
        "at": iso(change.at),
        "schedule": change.name,
        "action": change.action,
        "actor": change.actor,
        "source": change.source,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in change.changes],
        "summary": describe(change),
        "etag": change.etag,
    }


@router.get(
    "/schedule/{name:path}/audit",
    name="schedules-audit",
    response_model=AuditPage,
    responses=error_responses(404, 422, 503, described=NO_TRAIL),
)
def schedule_audit(
    name: Name, service: ServiceDep, limit: Limit = 20, cursor: Cursor = None
) -> dict[str, Any]:
    """A schedule's changes, newest first: created, changed (each field's old and new
    value), paused, resumed, deleted; by whom (`client:<address>`, `cli:<user>@<host>`,
    `file`, `redbeat`) and when. Kept: the last 100 per schedule (AUDIT_PER_SCHEDULE),
    and for 30 days after it is deleted (AUDIT_DELETED_KEEP_DAYS)."""
    found = service.store.audit(name, limit + 1, cursor)
    if not found and cursor is None and service.store.get(name) is None:
        raise ScheduleNotFound(name)
    page = found[:limit]
    more = len(found) > limit
    return {"events": [change_view(c) for c in page], "next_cursor": page[-1].id if more else None}
