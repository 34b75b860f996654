"""The app the schemathesis runs fuzz: in-process, on fakeredis, with API_TOKEN set.

Seed 004's schedule is stored, with a finished run and one in progress, so that the
routes on one entry answer 200 as well as 404 and the run routes return records.
No broker: run-now and the worker ping would wait on one (both run for real in
tests/integration/test_api.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import fakeredis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case

from app.api.deps import get_redis, get_settings
from app.api.main import app
from app.core.celery_app import celery_app
from app.core.config import Settings
from tests.unit.api.conftest import BASE, SEED_004_BODY
from tests.unit.api.history import queue, run, store_of

TOKEN = "schemathesis-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-API-Token": TOKEN}
HTTP_METHODS = {"get", "head", "post", "put", "patch", "delete"}


@schemathesis.check
def allow_names_every_documented_method(ctx: Any, response: Response, case: Case) -> None:
    """A 405's `Allow` lists at least every method the document declares at that path
    (it may list more: `{name:path}` routes also match `/schedule/x/pause`)."""
    if response.status_code != 405:
        return
    allowed = {m.strip().lower() for v in response.headers.get("allow", []) for m in v.split(",")}
    declared = HTTP_METHODS & set(case.operation.schema.raw_schema["paths"][case.operation.path])
    missing = declared - allowed
    assert not missing, f"Allow: {sorted(allowed)} leaves out {sorted(missing)}"


@schemathesis.check
def undeclared_method_is_405(ctx: Any, response: Response, case: Case) -> bool | None:
    """Schemathesis' unsupported_method: a method the document does not declare at a
    path (the coverage phase sends them) answers 405 with `Allow`. Not below one entry:
    `/schedule/x/runs` is also `/schedule/{name:path}` for the name `x/runs`, so a PUT
    there updates that name, which no entry can have (names may not end in /runs): 404,
    or 422 for a bad body."""
    if case.operation.path.startswith(f"{BASE}/{{name}}/"):
        return None
    return schemathesis.checks.unsupported_method(ctx, response, case)  # type: ignore[no-any-return]


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    undeclared_method_is_405,
    allow_names_every_documented_method,
]


def bounded(max_examples: int, **more: int) -> settings:
    """Hypothesis settings for a run CI sees the same every time: derandomized, no
    example database; bounded by its example count, so Hypothesis' timing heuristics
    (which would only make a loaded CI machine flaky) are off."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        **more,
    )


class SentTask:
    id = "schemathesis-task"


@contextmanager
def seeded_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[fakeredis.FakeRedis]:
    """The app with its dependencies on a fresh fakeredis holding seed 004's entry."""
    redis = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    config = Settings(redis_url="redis://unused:6379/0", timezone="Asia/Seoul", api_token=TOKEN)
    app.dependency_overrides[get_redis] = lambda: redis
    app.dependency_overrides[get_settings] = lambda: config
    monkeypatch.setattr(celery_app, "send_task", lambda *a, **k: SentTask())
    monkeypatch.setattr(celery_app.control, "ping", lambda **k: [{"worker@test": {"ok": "pong"}}])
    try:
        seed(redis)
        yield redis
    finally:
        app.dependency_overrides.clear()


def seed(redis: fakeredis.FakeRedis) -> None:
    """Seed 004's entry with a failed run and one in progress, on an empty store."""
    redis.flushall()
    with TestClient(app) as client:
        assert client.post(BASE, json=SEED_004_BODY, headers=AUTH).status_code == 201
    store = store_of(redis)
    run(store, SEED_004_BODY["name"], "failed")
    queue(store, SEED_004_BODY["name"])
