"""Liveness and the state of the parts the API depends on."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from app.api import errors
from app.api.deps import CallerDep, HostChecked, RedisDep, SettingsDep
from app.api.models import HealthPublic, error_responses
from app.presentation import message

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get(
    "/health",
    name="health-check",
    response_model=HealthPublic,
    responses=error_responses(503),
    dependencies=[HostChecked],
)
def health(
    request: Request, redis: RedisDep, settings: SettingsDep, caller: CallerDep
) -> dict[str, Any] | JSONResponse:
    """200 when Redis answers; 503 in the error shape when it does not.

    The 503 names Redis's URL (password masked) and the driver's error when reads are
    open or the caller sent a valid token. With API_PROTECT_READS an anonymous caller
    learns only that Redis is unavailable: the URL would tell anyone who can reach the
    port the ACL user and the internal host, port and db. The details go to the log.
    """
    try:
        redis.ping()
    except RedisError as exc:
        if not settings.api_protect_reads or caller is not None:
            raise  # -> 503 with the details (app/api/errors.py)
        errors.redis_down(request, exc)  # logs the details; its body is not sent
        text = message("redis_unavailable", settings.language)
        return errors.error_response(503, "redis_unavailable", text)
    return {"status": "ok", "redis": "ok"}
