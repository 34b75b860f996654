"""A timing in words with its next fire times, before it is saved (the page's form)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import ServiceDep, SettingsDep
from app.api.models import TimingPreviewPublic, TimingPreviewRequest, error_responses
from app.api.routing import JsonBodyRoute
from app.presentation import timing_preview

router = APIRouter(prefix="/api/scheduler", tags=["scheduler"], route_class=JsonBodyRoute)


@router.post(
    "/preview",
    name="timing-preview",
    response_model=TimingPreviewPublic,
    responses=error_responses(422),
)
def preview(
    body: TimingPreviewRequest, service: ServiceDep, settings: SettingsDep
) -> dict[str, Any]:
    """How a timing reads and when a schedule saved with it now would fire next (5
    times). Checked as a create checks it: a bad field is a 422 naming it. Writes
    nothing, needs no token."""
    spec, fires = service.preview(body.received)
    return timing_preview(spec, fires, settings.timezone, service.clock(), settings.language)
