"""Liveness and the state of the parts the API depends on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import RedisDep
from app.api.models import HealthPublic, error_responses

router = APIRouter(tags=["health"])


@router.get(
    "/health", name="health-check", response_model=HealthPublic, responses=error_responses(503)
)
def health(redis: RedisDep) -> dict[str, Any]:
    """200 when Redis answers; 503 in the error shape (naming Redis's URL) when it does not."""
    redis.ping()  # RedisError -> 503 (app/api/errors.py)
    return {"status": "ok", "redis": "ok"}
