"""Schemathesis against the live app: every operation of /openapi.json, generated
requests (valid and invalid), and each answer checked against the document.

The app runs in-process with API_TOKEN set (tests/unit/api/fuzz_app.py): the fuzzer
sends the token; a second run sends valid calls to every mutating operation without it
and expects 401. Bounded and deterministic (derandomized, no example database), so CI
sees the same run every time. Each failure this found has a test of its own in
test_contract.py. The stateful run (links from create to read, update and delete) is
test_schemathesis_stateful.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from app.api.main import app
from tests.unit.api.fuzz_app import AUTH, CHECKS, bounded, seeded_app

# PUT and PATCH are one handler with one body model (ScheduleUpdate): the coverage
# phase's boundary cases (some 550 calls) are sent to PATCH only; PUT gets the rest.
ONE_UPDATE = {
    "include-operation-id": "schedules-update",
    "phases": {"coverage": {"enabled": False}},
}
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", app, config=SchemathesisConfig.from_dict({"operations": [ONE_UPDATE]})
)
MUTATING = {"post", "put", "patch", "delete"}
# Every POST, PUT, PATCH and DELETE changes something and takes the token, but the
# timing preview (a POST that computes an answer and writes nothing).
READS_BY_POST = {"timing-preview"}
GUARDED = sorted(
    op["operationId"]
    for ops in app.openapi()["paths"].values()
    for method, op in ops.items()
    if method in MUTATING and op["operationId"] not in READS_BY_POST
)
# Valid calls only, and no generated credentials: what a caller without the token sends.
anonymous = schemathesis.openapi.from_asgi("/openapi.json", app)
anonymous.config.generation.update(modes=["positive"], with_security_parameters=False)
# Generated calls only: the coverage phase's every-boundary cases are the authenticated
# run's job; here a few valid calls per operation say enough.
anonymous.config.phases.update(phases=["fuzzing"])


@pytest.fixture(autouse=True)
def live_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with seeded_app(monkeypatch):
        yield


@schema.parametrize()
@bounded(15)
def test_api_answers_as_its_openapi_document_says(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS)


@anonymous.include(operation_id=GUARDED).parametrize()
@bounded(5)
def test_mutations_without_the_token_are_refused_with_401(case: Any) -> None:
    response = case.call()
    assert response.status_code == 401, (case.method, case.formatted_path, response.text)
    challenges = response.headers.get("www-authenticate", [])
    assert any(c.startswith("Bearer") for c in challenges), response.headers


def test_the_anonymous_run_calls_every_change() -> None:
    found = anonymous.include(operation_id=GUARDED).get_all_operations()
    operations = {result.ok().label for result in found}
    assert len(operations) == len(GUARDED) >= 15
    assert {"POST /api/scheduler/schedule", "DELETE /scheduler/jobs/{job}"} <= operations
