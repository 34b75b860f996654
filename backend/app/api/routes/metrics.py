"""`GET /metrics`: Prometheus's text format, read from Redis at each scrape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from app.api.deps import ServiceDep
from app.monitor import render_metrics

router = APIRouter(tags=["metrics"])
TEXT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Prometheus text exposition format 0.0.4 (docs/metrics.md).",
        "content": {CONTENT_TYPE_PLAIN_0_0_4: {"schema": {"type": "string"}}},
    }
}


@router.get("/metrics", name="metrics-get", response_class=Response, responses=TEXT)
def metrics(service: ServiceDep) -> Response:
    """Fires, runs, durations, lateness, Beat, workers and alerts, from every process
    (the counters are in Redis). With Redis unreachable: `batchsched_redis_up 0`."""
    return Response(render_metrics(service.store), media_type=CONTENT_TYPE_PLAIN_0_0_4)
