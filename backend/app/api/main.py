"""The HTTP API: `uvicorn app.api.main:app`."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from app.api.routes import health

log = logging.getLogger(__name__)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Batch scheduler",
        description="Create, change, pause and inspect Celery schedules stored in RedBeat.",
        version="0.1.0",
    )
    app.include_router(health.router)
    return app


app = create_app()
