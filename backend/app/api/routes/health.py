"""Liveness and the state of the parts the API depends on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from redis.exceptions import RedisError

from app.api.deps import RedisDep, SettingsDep
from app.core.redis import redacted_url

router = APIRouter(tags=["health"])


@router.get("/health")
def health(redis: RedisDep, settings: SettingsDep, response: Response) -> dict[str, Any]:
    """200 when Redis answers, 503 (with the reason) when it does not."""
    try:
        redis.ping()
    except RedisError as exc:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {
            "status": "degraded",
            "redis": f"unreachable: {exc}",
            "redis_url": redacted_url(settings.redis_url),
        }
    return {"status": "ok", "redis": "ok"}
