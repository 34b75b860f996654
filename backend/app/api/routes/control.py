"""Global pause and resume of all dispatching (seed 000's scheduler stop and start)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from app.api.deps import ActorDep, Mutating, ServiceDep, SettingsDep
from app.api.models import error_responses
from app.api.models.control import PauseChanged, PausePublic, PauseRequest
from app.api.routing import JsonBodyRoute
from app.presentation import message

router = APIRouter(prefix="/api/scheduler", tags=["status"], route_class=JsonBodyRoute)


@router.get(
    "/pause", name="control-get", response_model=PausePublic, responses=error_responses(503)
)
def pause_state(service: ServiceDep) -> dict[str, Any]:
    """Whether dispatching is paused, since when, why and by whom."""
    return service.pause_state().as_dict()


@router.post(
    "/pause",
    name="control-pause",
    dependencies=[Mutating],
    response_model=PauseChanged,
    responses=error_responses(401, 422, 503),
)
def pause(
    service: ServiceDep,
    settings: SettingsDep,
    actor: ActorDep,
    body: Annotated[PauseRequest | None, Body()] = None,
) -> dict[str, Any]:
    """Stop sending every schedule until resumed; each schedule's `enabled` is untouched.

    Fires that come due meanwhile are recorded as `skipped` with reason `paused` and are
    not sent later. Run-now still sends. Pausing again keeps the first pause's details.
    """
    state = service.pause(body.reason if body else None, actor)
    return {"message": message("dispatch_paused", settings.language), "pause": state.as_dict()}


@router.post(
    "/resume",
    name="control-resume",
    dependencies=[Mutating],
    response_model=PauseChanged,
    responses=error_responses(401, 503),
)
def resume(service: ServiceDep, settings: SettingsDep, actor: ActorDep) -> dict[str, Any]:
    """Send again: each schedule from its next slot after now (passed slots stay skipped)."""
    state = service.resume(actor)
    return {"message": message("dispatch_resumed", settings.language), "pause": state.as_dict()}
