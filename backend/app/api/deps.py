"""Dependencies as Annotated aliases; handlers never build clients themselves."""

from __future__ import annotations

import hmac
import json
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Body, Depends, Header
from redis import Redis

from app.core.celery_app import celery_app
from app.core.config import Settings, get_settings
from app.core.redis import make_redis
from app.schedules import ScheduleService, ScheduleStore, TaskRegistry, invalid


class Unauthorized(Exception):
    """A mutating call without the configured API token."""


@lru_cache(maxsize=1)
def get_redis() -> Redis:
    return make_redis(get_settings())


@lru_cache(maxsize=1)
def get_registry() -> TaskRegistry:
    return TaskRegistry.from_celery(celery_app)


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[Redis, Depends(get_redis)]
RegistryDep = Annotated[TaskRegistry, Depends(get_registry)]


def get_service(redis: RedisDep, settings: SettingsDep, registry: RegistryDep) -> ScheduleService:
    return ScheduleService(ScheduleStore(redis, celery_app, settings.timezone), registry)


ServiceDep = Annotated[ScheduleService, Depends(get_service)]


def parse_if_match(if_match: Annotated[str | None, Header()] = None) -> str | None:
    """The version an `If-Match` header names: quotes and a weak `W/` prefix dropped."""
    if if_match is None:
        return None
    return if_match.strip().removeprefix("W/").strip('"') or None


IfMatchDep = Annotated[str | None, Depends(parse_if_match)]


def json_body(body: Annotated[Any, Body()]) -> Any:
    """The JSON body, also when the client did not say it is JSON (`curl -d` sends a
    form content type); the schedule layer validates its shape."""
    if isinstance(body, bytes | str):
        try:
            return json.loads(body)
        except ValueError as exc:
            raise invalid("body", None, f"not valid JSON: {exc}") from None
    return body


JsonBody = Annotated[Any, Depends(json_body)]


def require_token(
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_token: Annotated[str | None, Header()] = None,
) -> None:
    """Mutating calls need API_TOKEN once one is set (`Bearer` or `X-API-Token`)."""
    if not settings.api_token:
        return
    supplied = x_api_token or (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(supplied.encode(), settings.api_token.encode()):
        raise Unauthorized()


Mutating = Depends(require_token)
