"""The HTTP API: `uvicorn app.api.main:app`.

/docs and /redoc serve Swagger UI and ReDoc from assets inside the package
(fastapi-offline), so they work with no internet access. /scheduler is the schedule
management page (app.web), and / leads there.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from app import web
from app.api import errors
from app.api.body_limit import BodyLimit
from app.api.cors import CorsWhenConfigured
from app.api.deps import Readable
from app.api.models.errors import READ_REFUSED
from app.api.routes import (
    audit,
    control,
    health,
    jobs,
    metrics,
    preview,
    runs,
    schedules,
    status,
    tasks,
)
from app.core.config import get_settings

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    tokens = settings.api_token_list()
    if any(token.can_write for token in tokens):
        log.info("API: mutating calls need a write token")
    elif tokens:
        log.info("API: only read-only tokens are set, so no call may change schedules")
    else:
        # `python -m app.api` refuses a non-loopback address without a token before
        # this point; an operator who runs uvicorn directly gets the warning.
        log.warning("API: no API_TOKEN set, so mutating calls are open; listen on loopback only")
    if settings.api_protect_reads:
        log.info("API: reads need a token too (API_PROTECT_READS)")
    yield


def operation_id(route: APIRoute) -> str:
    """The route's name (`schedules-create`): stable for clients generated from the schema."""
    return route.name


def create_app() -> FastAPI:
    app = FastAPIOffline(
        title="Batch scheduler",
        description="Create, change, pause and inspect Celery schedules stored in RedBeat.",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.include_router(health.router)
    routers = (
        metrics.router,
        # Before the schedule routes: `/schedule/{name}` would otherwise take
        # `/schedule/{name}/runs` as the name `{name}/runs` (and `/audit` likewise).
        runs.router,
        audit.router,
        schedules.router,
        tasks.router,
        preview.router,
        status.router,
        control.router,
        # Seed 000's routes as printed (`/scheduler/...`), over the same service.
        jobs.router,
    )
    # All but /health read schedules or their runs: with API_PROTECT_READS they need a
    # token (/docs, /openapi.json and the page's shell hold no data and stay open).
    for router in routers:
        app.include_router(router, dependencies=[Readable], responses=READ_REFUSED)
    # The page at /scheduler and its assets (no path of theirs is one of the above).
    web.install(app)
    errors.install(app)
    # Outermost but for Starlette's own: a body beyond MAX_BODY_BYTES is never read.
    app.add_middleware(BodyLimit)
    # Outermost, so that every answer (a 413 too) carries the CORS headers it needs.
    app.add_middleware(CorsWhenConfigured)
    return app


app = create_app()
