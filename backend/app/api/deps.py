"""Dependencies as Annotated aliases; handlers never build clients themselves.

Every dependency here that does no I/O is `async def`: FastAPI runs a plain `def`
dependency in its threadpool, and with nine of them a GET cost nine thread hand-offs,
about half of its CPU. The route handlers, which wait on Redis, stay plain `def`.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from redis import Redis

from app.core.access import ApiToken, match
from app.core.celery_app import celery_app
from app.core.config import Settings, get_settings
from app.core.redis import make_redis
from app.schedules import ScheduleService, ScheduleStore, TaskRegistry


class Unauthorized(Exception):
    """A call that needs a token and carried none, or one the server does not know.

    One answer for both (and the same body): which of the two it was is not told."""

    def __init__(self, reading: bool = False) -> None:
        super().__init__("a token is needed")
        self.reading = reading


class ReadOnlyToken(Exception):
    """A change sent with a read-only token (API_READ_TOKENS)."""


class CrossSite(Exception):
    """A mutating call a browser sent on behalf of another site."""


class ForeignHost(Exception):
    """A browser's call to a token-less API under a name that is not a loopback one."""

    def __init__(self, host: str) -> None:
        super().__init__(f"foreign host {host!r}")
        self.host = host


@lru_cache(maxsize=1)
def redis_client() -> Redis:
    """The process's one client (and connection pool): each API process has its own."""
    return make_redis(get_settings())


async def get_redis() -> Redis:
    return redis_client()


@lru_cache(maxsize=1)
def get_registry() -> TaskRegistry:
    return TaskRegistry.from_celery(celery_app)


async def task_registry() -> TaskRegistry:
    return get_registry()


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[Redis, Depends(get_redis)]
RegistryDep = Annotated[TaskRegistry, Depends(task_registry)]


async def get_service(
    redis: RedisDep, settings: SettingsDep, registry: RegistryDep
) -> ScheduleService:
    return ScheduleService(ScheduleStore(redis, celery_app, settings.timezone), registry)


ServiceDep = Annotated[ScheduleService, Depends(get_service)]


async def parse_if_match(
    if_match: Annotated[
        str | None, Header(description="The `ETag` you read: 412 if the entry changed since.")
    ] = None,
) -> str | None:
    """The version an `If-Match` header names: quotes and a weak `W/` prefix dropped."""
    if if_match is None:
        return None
    return if_match.strip().removeprefix("W/").strip('"') or None


IfMatchDep = Annotated[str | None, Depends(parse_if_match)]


# Security schemes, so /openapi.json and /docs show how to send the token. Neither
# refuses by itself (auto_error=False): require_read and require_token decide.
BEARER = HTTPBearer(auto_error=False, description="`Authorization: Bearer <token>`.")
API_KEY = APIKeyHeader(name="X-API-Token", auto_error=False, description="`X-API-Token: <token>`.")


async def get_tokens(settings: SettingsDep) -> tuple[ApiToken, ...]:
    """Every configured token (API_TOKEN, API_TOKENS, API_READ_TOKENS), once per request."""
    return settings.api_token_list()


TokensDep = Annotated[tuple[ApiToken, ...], Depends(get_tokens)]


async def get_caller(
    tokens: TokensDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    x_api_token: Annotated[str | None, Depends(API_KEY)],
) -> ApiToken | None:
    """The token the call carries (`X-API-Token`, or `Authorization: Bearer`), when it is
    one of the configured ones; None when it carries none or an unknown one. Compared
    with every token in constant time (app.core.access.match)."""
    supplied = (x_api_token or (bearer.credentials if bearer else "")).strip()
    if not tokens or not supplied:
        return None
    return match(tokens, supplied)


CallerDep = Annotated[ApiToken | None, Depends(get_caller)]


async def get_actor(request: Request, caller: CallerDep) -> str:
    """Who is calling, for the audit trail: `token:<name>` for a named token
    (API_TOKENS), else `client:<address>`.

    API_TOKEN's one shared token says nothing about who holds it, so with it the
    address says more. Behind a proxy the address is the proxy's unless uvicorn trusts
    its forwarded headers (FORWARDED_ALLOW_IPS).
    """
    if caller is not None and not caller.unnamed:
        return f"token:{caller.name}"
    host = request.client.host if request.client is not None else None
    return f"client:{host or 'unknown'}"


ActorDep = Annotated[str, Depends(get_actor)]


async def refuse_foreign_host(request: Request, settings: SettingsDep, tokens: TokensDep) -> None:
    """/health's check (HostChecked): see check_host."""
    check_host(request, settings, tokens)


def check_host(request: Request, settings: Settings, tokens: tuple[ApiToken, ...]) -> None:
    """With no token of any kind, a browser is answered only under a loopback name
    (127.0.0.1, ::1, localhost) or one CORS_ORIGINS lists: every route, reads included.

    Against DNS rebinding: a page at evil.example whose name then resolves to 127.0.0.1
    is same-origin with the API, so neither CORS nor the cross-site check stops it; but
    its requests carry `Host: evil.example`. Browsers mark their requests (Origin,
    Sec-Fetch-Site); curl, the CLI and scripts send neither and are not refused. With a
    token the token is the protection: a rebinding page does not have it (a browser
    sends no Authorization or X-API-Token of its own accord), and a server reached
    under other names (a proxy, a LAN address) must keep answering them.
    """
    if tokens or not ("origin" in request.headers or "sec-fetch-site" in request.headers):
        return
    host = request.headers.get("host", "")
    if not _loopback_name(host, settings):
        raise ForeignHost(host)


def _loopback_name(host: str, settings: Settings) -> bool:
    try:
        name = urlsplit(f"//{host}").hostname
    except ValueError:  # an unclosed `[` and the like
        return False
    if not name:
        return False
    if name == "localhost":
        return True
    try:
        if ipaddress.ip_address(name).is_loopback:
            return True
    except ValueError:
        pass
    return any(urlsplit(origin).hostname == name for origin in settings.cors_origin_list())


HostChecked = Depends(refuse_foreign_host)


async def require_read(
    request: Request, settings: SettingsDep, tokens: TokensDep, caller: CallerDep
) -> None:
    """With API_PROTECT_READS, every route but /health needs a token of either kind.

    A route that changes something is left to require_token, whose 401 says that a
    token that may write is needed. First, for every route: check_host."""
    check_host(request, settings, tokens)
    if settings.api_protect_reads and caller is None and not _changes(request):
        raise Unauthorized(reading=True)


def _changes(request: Request) -> bool:
    route = request.scope.get("route")
    return any(d.dependency is require_token for d in getattr(route, "dependencies", ()))


async def require_token(
    request: Request, settings: SettingsDep, tokens: TokensDep, caller: CallerDep
) -> None:
    """Mutating calls need a write token (API_TOKEN or API_TOKENS) once any token is
    set; a read-only one (API_READ_TOKENS) gets 403. With only read tokens set, no call
    may change anything through the API.

    And, token or not, no browser may send one on behalf of another site (unless
    CORS_ORIGINS lists that site): without a token the API only listens on loopback,
    but a page from anywhere that the operator's browser opens can still POST to
    127.0.0.1 (a form or a fetch with no preflight). Browsers say where a request comes
    from (Sec-Fetch-Site, Origin); curl, the CLI and scripts send neither, so they are
    never refused here.
    """
    check_host(request, settings, tokens)
    if _from_another_site(request, settings):
        raise CrossSite()
    if not tokens:
        return
    if caller is None:
        raise Unauthorized()
    if not caller.can_write:
        raise ReadOnlyToken()


def _from_another_site(request: Request, settings: Settings) -> bool:
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() in settings.cors_origin_list():
        return False
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("cross-site", "same-site")
    if origin is None:
        return False
    return urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()


Mutating = Depends(require_token)
Readable = Depends(require_read)
