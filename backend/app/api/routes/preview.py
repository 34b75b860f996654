"""A timing in words with its next fire times, before it is saved (the page's form)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from app.api.deps import ServiceDep, SettingsDep
from app.api.errors import request_invalid, schedule_invalid
from app.api.models import error_responses
from app.api.models.preview import (
    TIMING_KEYS,
    TimingPreviewAnswer,
    TimingPreviewRequest,
)
from app.api.routing import JsonBodyRoute
from app.presentation import timing_preview
from app.schedules import InvalidSchedule, invalid

router = APIRouter(prefix="/api/scheduler", tags=["scheduler"], route_class=JsonBodyRoute)

# The body is taken as any JSON object, so that a bad timing reaches the handler (and is
# answered 200 `valid: false`); the document still shows the timing fields it takes.
REQUEST_SCHEMA = TimingPreviewRequest.model_json_schema()
BODY_DOC = {"requestBody": {"content": {"application/json": {"schema": REQUEST_SCHEMA}}}}


@router.post(
    "/preview",
    name="timing-preview",
    response_model=TimingPreviewAnswer,
    responses=error_responses(422),
    openapi_extra=BODY_DOC,
)
def preview(
    body: Annotated[dict[str, Any], Body()],
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """How a timing reads and when a schedule saved with it now would fire next (5
    times). Writes nothing, needs no token.

    Checked as a create checks it, but a timing a create would refuse is still a 200:
    `{"valid": false, "message": ..., "detail": [{field, value, message}]}`, the same
    message and detail as that create's 422 (the page asks while the user types, and a
    browser logs every 4xx as an error). A good one is `{"valid": true, ...}`.

    A 422 remains for a request no timing form sends: a body that is not a JSON object,
    or a key that is not a timing field (`task`, `kwargs`, ...), named in `detail`."""
    for key, value in body.items():
        if key not in TIMING_KEYS:
            raise invalid(key, value, f"not a timing field (one of {', '.join(TIMING_KEYS)})")
    try:
        checked = TimingPreviewRequest.model_validate(body)
        spec, fires = service.preview(checked.received)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        return _refused(request_invalid(request, RequestValidationError(errors)))
    except InvalidSchedule as exc:
        return _refused(schedule_invalid(request, exc))
    now = service.clock()
    return {"valid": True} | timing_preview(spec, fires, settings.timezone, now, settings.language)


def _refused(answer: JSONResponse) -> dict[str, Any]:
    """The 422 a create would answer, as the preview's `valid: false`."""
    refusal = json.loads(bytes(answer.body))
    return {"valid": False, "message": refusal["message"], "detail": refusal["detail"]}
