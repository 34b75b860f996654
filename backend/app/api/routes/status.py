"""System status (Beat, workers, Redis, the schedules.json sync) and the export."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.api.deps import ServiceDep, SettingsDep
from app.api.models import ExportFile, StatusPublic, error_responses
from app.core.constants import WORKER_PING_TIMEOUT
from app.monitor import find_failing, find_overdue, health_problems, read_status
from app.schedules_file import export_store

router = APIRouter(prefix="/api/scheduler", tags=["status"])
log = logging.getLogger(__name__)
# Ten years: a longer grace means "never overdue", and `now - grace` must stay a date
# (1e300 seconds overflowed into a 500).
MAX_GRACE_SECONDS = 10 * 366 * 86400
EXPORTED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "X-Export-Left-Out": {
                "description": "Entries left out: written by RedBeat directly, no file form.",
                "schema": {"type": "integer"},
            }
        }
    }
}


@router.get(
    "/status",
    name="status-get",
    response_model=StatusPublic,
    responses=error_responses(422, 503),
)
def status(
    service: ServiceDep,
    settings: SettingsDep,
    grace: Annotated[
        float, Query(ge=0, le=MAX_GRACE_SECONDS, description="Seconds late before overdue.")
    ] = 300,
    workers: Annotated[bool, Query(description="List the running workers.")] = True,
    ping: Annotated[
        bool,
        Query(
            description="Ask the workers live, by a broadcast ping that waits "
            f"{WORKER_PING_TIMEOUT:g} s, instead of reading their heartbeats (instant)."
        ),
    ] = False,
) -> dict[str, Any]:
    """Which Beat leads, workers online, the last schedules.json sync, overdue entries,
    and schedules failing ALERT_CONSECUTIVE_FAILURES or more times in a row."""
    timeout = (WORKER_PING_TIMEOUT if ping else 0.0) if workers else None
    found = read_status(service.store, settings.redis_url, worker_timeout=timeout)
    overdue = failing = None
    if found.redis_ok:
        overdue = find_overdue(service.store, datetime.now(UTC), timedelta(seconds=grace))
        failing = find_failing(service.store, settings.alert_consecutive_failures)
    problems = health_problems(found, overdue, failing)
    return {
        **found.as_dict(),
        "failing": failing.as_dict() if failing is not None else None,
        "healthy": not problems,
        "problems": [{"code": p.code, **p.detail} for p in problems],
    }


@router.get(
    "/export",
    name="status-export",
    response_model=ExportFile,
    responses=EXPORTED | error_responses(503),
)
def export(service: ServiceDep) -> Response:
    """The live state in schedules.json's format: save it as the file and commit it."""
    result = export_store(service.store)
    left_out = [s.name for s in result.skipped] + result.unreadable
    if left_out:
        log.warning("export: left out %d entries with no file form: %s", len(left_out), left_out)
    return Response(
        result.render(),
        media_type="application/json",
        headers={"X-Export-Left-Out": str(len(left_out))},
    )
