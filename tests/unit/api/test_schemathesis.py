"""Schemathesis against the live app: every operation of /openapi.json, generated
requests (valid and invalid), and each answer checked against the document.

The app runs in-process on fakeredis with API_TOKEN set (the token is sent), and with
seed 004's schedule stored, with a finished run and one in progress, so that the routes
on one entry answer 200 as well as 404 and the run routes return records.
Bounded and deterministic: 25 examples per operation, derandomized, no example database,
so CI sees the same run every time. Each failure this found has a test of its own in
test_contract.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fakeredis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from app.api.deps import get_redis, get_settings
from app.api.main import app
from app.core.celery_app import celery_app
from app.core.config import Settings
from tests.unit.api.conftest import BASE, SEED_004_BODY
from tests.unit.api.history import queue, run, store_of

TOKEN = "schemathesis-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-API-Token": TOKEN}
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]

schema = schemathesis.openapi.from_asgi("/openapi.json", app)


class SentTask:
    id = "schemathesis-task"


@pytest.fixture(autouse=True)
def live_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    redis = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    config = Settings(redis_url="redis://unused:6379/0", timezone="Asia/Seoul", api_token=TOKEN)
    app.dependency_overrides[get_redis] = lambda: redis
    app.dependency_overrides[get_settings] = lambda: config
    # No broker here: run-now and the worker ping would wait on one (both run for real
    # in tests/integration/test_api.py).
    monkeypatch.setattr(celery_app, "send_task", lambda *a, **k: SentTask())
    monkeypatch.setattr(celery_app.control, "ping", lambda **k: [{"worker@test": {"ok": "pong"}}])
    with TestClient(app) as client:
        assert client.post(BASE, json=SEED_004_BODY, headers=AUTH).status_code == 201
    store = store_of(redis)
    run(store, SEED_004_BODY["name"], "failed")
    queue(store, SEED_004_BODY["name"])
    yield
    app.dependency_overrides.clear()


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    # The run is bounded by its example count; Hypothesis' timing heuristics would only
    # make a loaded CI machine flaky.
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_openapi_document_says(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS)
