"""The HTTP API: `uvicorn app.api.main:app`."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.api import errors, examples
from app.api.routes import health, schedules, status, tasks
from app.core.config import get_settings

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    if settings.api_token:
        log.info("API: mutating calls need the API token")
    else:
        # `python -m app.api` refuses a non-loopback address without a token before
        # this point; an operator who runs uvicorn directly gets the warning.
        log.warning("API: no API_TOKEN set, so mutating calls are open; listen on loopback only")
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Batch scheduler",
        description="Create, change, pause and inspect Celery schedules stored in RedBeat.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(schedules.router)
    app.include_router(tasks.router)
    app.include_router(status.router)
    errors.install(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {}).setdefault("schemas", {}).update(
                examples.definition_schemas()
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


app = create_app()
