"""Routes of app/api/routes/status.py and health.py: status, export, health."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from redis import Redis

from app.api.deps import get_redis
from app.api.main import app
from app.core.celery_app import celery_app
from app.core.config import Settings
from app.execution.presence import Presence
from app.schedules import ScheduleStore
from tests.unit.api.conftest import BASE, SEED_004_BODY

STATUS = "/api/scheduler/status"


def documented(client: TestClient, model: str) -> dict[str, Any]:
    components = client.get("/openapi.json").json()["components"]
    return {"$ref": f"#/components/schemas/{model}", "components": components}


def refuse_ping(**_: Any) -> None:
    raise AssertionError("status pinged the workers")


def test_status_reports_workers_from_their_heartbeats_and_a_missing_beat(
    client: TestClient, store: ScheduleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(celery_app.control, "ping", refuse_ping)
    Presence(store, "w1@host", 4).beat()
    response = client.get(STATUS)
    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, documented(client, "StatusPublic"))
    assert (body["workers"], body["workers_source"]) == (["w1@host"], "presence")
    [worker] = body["worker_details"]
    assert (worker["hostname"], worker["concurrency"]) == ("w1@host", 4)
    assert body["redis_ok"] is True and body["beat"]["running"] is False
    assert body["healthy"] is False
    assert [p["code"] for p in body["problems"]] == ["no_beat"]


def test_status_pings_the_workers_only_when_asked(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(celery_app.control, "ping", lambda **k: [{"w1@host": {"ok": "pong"}}])
    body = client.get(STATUS, params={"ping": "true"}).json()
    assert (body["workers"], body["workers_source"]) == (["w1@host"], "ping")
    assert body["worker_details"] is None


def test_status_without_the_worker_ping(client: TestClient) -> None:
    body = client.get(STATUS, params={"workers": "false", "grace": 0}).json()
    assert body["workers"] is None


def test_export_is_the_file_with_the_count_left_out(client: TestClient) -> None:
    client.post(BASE, json=SEED_004_BODY)
    response = client.get("/api/scheduler/export")
    assert response.status_code == 200
    assert response.headers["X-Export-Left-Out"] == "0"
    body = response.json()
    jsonschema.validate(body, documented(client, "ExportFile"))
    assert body["schedules"]["테스트_크롤링"]["task"] == SEED_004_BODY["task"]


def test_health_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "redis": "ok"}


def test_health_with_redis_down_is_503_in_the_error_shape(
    client: TestClient, settings: Settings
) -> None:
    settings.redis_url = "redis://:hunter2@127.0.0.1:1/0"
    app.dependency_overrides[get_redis] = lambda: Redis.from_url(
        settings.redis_url, socket_connect_timeout=0.2
    )
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    jsonschema.validate(body, documented(client, "ErrorBody"))
    assert body["error"] == "redis_unavailable"
    assert "127.0.0.1:1" in body["message"] and "hunter2" not in response.text
