"""Dependencies as Annotated aliases; handlers never build clients themselves."""

from __future__ import annotations

import hmac
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from redis import Redis

from app.core.celery_app import celery_app
from app.core.config import Settings, get_settings
from app.core.redis import make_redis
from app.schedules import ScheduleService, ScheduleStore, TaskRegistry


class Unauthorized(Exception):
    """A mutating call without the configured API token."""


class CrossSite(Exception):
    """A mutating call a browser sent on behalf of another site."""


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


def parse_if_match(
    if_match: Annotated[
        str | None, Header(description="The `ETag` you read: 412 if the entry changed since.")
    ] = None,
) -> str | None:
    """The version an `If-Match` header names: quotes and a weak `W/` prefix dropped."""
    if if_match is None:
        return None
    return if_match.strip().removeprefix("W/").strip('"') or None


IfMatchDep = Annotated[str | None, Depends(parse_if_match)]


def get_actor(request: Request) -> str:
    """Who is calling, for the audit trail: `client:<address>`.

    With one shared API_TOKEN every caller holding it looks the same, so the address
    says more; once tokens have names this becomes `token:<name>`. Behind a proxy the
    address is the proxy's unless uvicorn trusts its forwarded headers
    (FORWARDED_ALLOW_IPS).
    """
    host = request.client.host if request.client is not None else None
    return f"client:{host or 'unknown'}"


ActorDep = Annotated[str, Depends(get_actor)]


# Security schemes, so /openapi.json and /docs show how to send the token. Neither
# refuses by itself (auto_error=False): without API_TOKEN every call is open.
BEARER = HTTPBearer(auto_error=False, description="`Authorization: Bearer <API_TOKEN>`.")
API_KEY = APIKeyHeader(
    name="X-API-Token", auto_error=False, description="`X-API-Token: <API_TOKEN>`."
)


def require_token(
    request: Request,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    x_api_token: Annotated[str | None, Depends(API_KEY)],
) -> None:
    """Mutating calls need API_TOKEN once one is set (`Bearer` or `X-API-Token`).

    And, token or not, no browser may send one on behalf of another site: without a
    token the API only listens on loopback, but a page from anywhere that the operator's
    browser opens can still POST to 127.0.0.1 (a form or a fetch with no preflight).
    Browsers say where a request comes from (Sec-Fetch-Site, Origin); curl, the CLI and
    scripts send neither, so they are never refused here.
    """
    if _from_another_site(request):
        raise CrossSite()
    if not settings.api_token:
        return
    supplied = x_api_token or (bearer.credentials.strip() if bearer else "")
    if not hmac.compare_digest(supplied.encode(), settings.api_token.encode()):
        raise Unauthorized()


def _from_another_site(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("cross-site", "same-site")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()


Mutating = Depends(require_token)
