"""CORS: closed unless CORS_ORIGINS lists the sites whose pages may call the API.

With no origin listed this middleware passes every request through untouched, so a
browser on another site's page gets no `Access-Control-Allow-*` header and cannot read
an answer (nor send a preflighted call). With origins listed, Starlette's
`CORSMiddleware` answers their preflights and marks their answers readable. Tokens
travel in headers, never cookies, so credentials (cookies) are not allowed.

The origins are read per request from the settings the routes see (tests override
them), and one `CORSMiddleware` is kept per list of origins.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.config import Settings, get_settings

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# The headers the API reads: the token (two ways), the version and the body's type.
ALLOW_HEADERS = ("Authorization", "X-API-Token", "If-Match", "Content-Type")
# The headers a page needs to read from answers: the version and where a run went.
EXPOSE_HEADERS = ("ETag", "Location", "WWW-Authenticate")
# Browsers may reuse a preflight's answer this long, in seconds.
PREFLIGHT_MAX_AGE = 600


def _settings(scope: Scope) -> Settings:
    app = scope.get("app")
    overrides = getattr(app, "dependency_overrides", {})
    settings: Settings = overrides.get(get_settings, get_settings)()
    return settings


class CorsWhenConfigured:
    """Starlette's CORSMiddleware for CORS_ORIGINS; a pass-through when it is empty."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._by_origins: dict[tuple[str, ...], CORSMiddleware] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origins = _settings(scope).cors_origin_list() if scope["type"] == "http" else ()
        if not origins:
            await self.app(scope, receive, send)
            return
        await self._for(origins)(scope, receive, send)

    def _for(self, origins: tuple[str, ...]) -> CORSMiddleware:
        if origins not in self._by_origins:
            self._by_origins[origins] = CORSMiddleware(
                self.app,
                allow_origins=origins,
                allow_methods=METHODS,
                allow_headers=ALLOW_HEADERS,
                expose_headers=EXPOSE_HEADERS,
                allow_credentials=False,
                max_age=PREFLIGHT_MAX_AGE,
            )
        return self._by_origins[origins]
