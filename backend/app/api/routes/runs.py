"""Run history: a schedule's runs, runs across schedules, one run by its task id.

Records are newest first; a page's `next_cursor` (the stream id of its last record)
is passed back as `cursor` for the next one. The query rules live in `app.monitor`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from app.api.deps import ServiceDep, SettingsDep
from app.api.models import RunPublic, RunsFound, RunsPage, error_responses
from app.api.params import Cursor, Name
from app.core.config import Settings
from app.monitor import (
    HISTORY_OUTCOMES,
    MAX_LIMIT,
    RunPage,
    RunQuery,
    aware,
    find_runs,
    get_run,
    parse_outcomes,
    run_view,
    schedule_runs,
)

router = APIRouter(prefix="/api/scheduler", tags=["runs"])
NO_HISTORY = {404: "No schedule has that name and no run history is kept for it."}
NO_RUN = {404: "No run with that task id is in progress or kept in the history."}
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Records per page.")]
TIME_NOTE = (
    "ISO-8601; without an offset, in the scheduler's TIMEZONE. Compared with the time a "
    "record was written (`recorded_at`: when the attempt ended, or the fire was skipped "
    "or missed), not its slot."
)


def _page(page: RunPage, settings: Settings) -> dict[str, Any]:
    return {
        "runs": [run_view(r, settings.language) for r in page.runs],
        "next_cursor": page.next_cursor,
        "scanned": page.scanned,
    }


@router.get(
    "/schedule/{name:path}/runs",
    name="schedules-runs",
    response_model=RunsPage,
    responses=error_responses(404, 422, 503, described=NO_HISTORY),
)
def list_schedule_runs(
    name: Name,
    service: ServiceDep,
    settings: SettingsDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """A schedule's runs, newest first. The first page (no `cursor`) starts with the
    fires still queued or running, in addition to `limit` finished records. A deleted
    schedule's history stays readable while it is kept (14 days, 200 records)."""
    return _page(schedule_runs(service.store, name, limit, cursor), settings)


@router.get(
    "/runs",
    name="runs-list",
    response_model=RunsFound,
    responses=error_responses(422, 503),
)
def list_runs(
    service: ServiceDep,
    settings: SettingsDep,
    outcome: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Only these outcomes, comma-separated: "
            + ", ".join(HISTORY_OUTCOMES)
            + ". Fires in progress are listed by a schedule's own runs.",
            examples=["failed,timed_out,lost"],
        ),
    ] = None,
    since: Annotated[datetime | None, Query(description="At or after. " + TIME_NOTE)] = None,
    until: Annotated[datetime | None, Query(description="Before. " + TIME_NOTE)] = None,
    schedule: Annotated[
        str | None, Query(min_length=1, description="Only this schedule's runs.")
    ] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Finished, skipped and missed runs across schedules, newest first, from the
    history kept for all of them (the last 10,000 records by default), or from one
    schedule's own history with `schedule`. With `outcome`, pages are read until
    `limit` runs match or 10,000 records were read; `next_cursor` continues."""
    query = RunQuery(
        outcomes=parse_outcomes(outcome),
        since=aware(since, settings.timezone),
        until=aware(until, settings.timezone),
        schedule=schedule,
    )
    return _page(find_runs(service.store, query, limit, cursor), settings)


@router.get(
    "/runs/{task_id}",
    name="runs-get",
    response_model=RunPublic,
    responses=error_responses(404, 422, 503, described=NO_RUN),
)
def get_one_run(
    task_id: Annotated[
        str, Path(max_length=200, description="Celery's task id (run-now answers it).")
    ],
    service: ServiceDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """One run by its task id: queued or running, then its final record while kept."""
    return run_view(get_run(service.store, task_id), settings.language)
