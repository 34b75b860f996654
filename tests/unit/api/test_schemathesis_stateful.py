"""Schemathesis' state machine over the OpenAPI links (app/api/links.py): sequences
that create a schedule (or a seed 000 job), then read, change, pause, run and delete
that very entry with the name (or id) and ETag the create answered, so calls reach
existing entries instead of the 404s random names get.

Random bodies almost never make a valid schedule (a registered task and exactly one
timing), and the run without state fuzzes bodies already (test_schemathesis.py). So
each create here keeps its generated name (less the invisible characters names
refuse) and description, and gets a registered task and a timing: the generated names
are what matters to the sequences, since a name with `/`, `%`, Korean or emoji must
be reachable by every route the links lead to. Every other call is sent as generated.

Each answer is checked against the document, plus two checks of state: an entry just
created can be read (ensure_resource_availability) and one deleted cannot
(use_after_free). Only the document's own links are followed (schemathesis' guessed
links are off), so the run tests what the document says. The app runs in-process
with API_TOKEN set and the token sent (tests/unit/api/fuzz_app.py).
Bounded: SCENARIOS sequences of at most STEPS calls, derandomized.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Any

import fakeredis
import pytest
import schemathesis
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case

from app.api.main import app
from app.schedules import invisible_in_names
from tests.unit.api.conftest import CRAWL
from tests.unit.api.fuzz_app import AUTH, CHECKS, bounded, seed, seeded_app

SCENARIOS = 20
STEPS = 8
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
schema.config.phases.stateful.inference.algorithms = []
STATE_CHECKS = [
    *CHECKS,
    schemathesis.checks.ensure_resource_availability,
    schemathesis.checks.use_after_free,
]
# A deleted entry's runs and audit trail stay readable while kept (who deleted it is
# in its audit trail): reading them after a delete is no use after free.
OUTLIVE_THE_ENTRY = {"schedules-runs", "schedules-audit"}
HISTORY_CHECKS = [c for c in STATE_CHECKS if c is not schemathesis.checks.use_after_free]
# What a create gets besides its generated name and description.
VALID = {
    "schedules-create": {"task": CRAWL, "interval": 3600},
    "jobs-create": {"function_name": "crawl_all_complexes", "cron_expression": "0 3 * * *"},
}
KEPT = ("name", "description")
Links = schema.as_state_machine()


def printable(name: str) -> str:
    """The name without the characters names refuse (controls, format and separator
    marks, default-ignorable ones, whitespace at its ends: app/schedules/spec.py); `x`
    if none is left."""
    kept = "".join(
        c
        for c in name
        if (unicodedata.category(c)[0] not in "CZ" or c == " ") and not invisible_in_names(c)
    )
    return kept.strip() or "x"


def operation_id(case: Case) -> str:
    return str(case.operation.definition.raw.get("operationId"))


class Workflow(Links):  # type: ignore[misc,valid-type]
    calls: Counter[tuple[str, int]] = Counter()
    redis: fakeredis.FakeRedis | None = None

    def setup(self) -> None:
        # Each scenario starts from the same store: Hypothesis replays scenarios and
        # needs the same answers to the same calls (a name left by an earlier scenario
        # would answer 409 and change which links can be followed).
        assert Workflow.redis is not None
        seed(Workflow.redis)

    def before_call(self, case: Case) -> None:
        valid = VALID.get(operation_id(case))
        if valid is not None and isinstance(case.body, dict):
            name = printable(str(case.body.get("name", "")))
            kept = {k: v for k, v in case.body.items() if k in KEPT}
            case.body = kept | valid | {"name": name}

    def get_call_kwargs(self, case: Case) -> dict[str, Any]:
        return {"headers": AUTH}

    def validate_response(
        self, response: Response, case: Case, additional_checks: Any = None, **kwargs: Any
    ) -> None:
        Workflow.calls[operation_id(case), response.status_code] += 1
        history = operation_id(case) in OUTLIVE_THE_ENTRY
        checks = HISTORY_CHECKS if history else STATE_CHECKS
        case.validate_response(
            response, checks=checks, transport_kwargs=kwargs, recorder=self.recorder
        )


def test_links_lead_from_create_to_the_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    Workflow.calls = Counter()
    with seeded_app(monkeypatch) as redis:
        Workflow.redis = redis
        Workflow.run(settings=bounded(SCENARIOS, stateful_step_count=STEPS))
    # The sequences reached entries they created, not only 404s: the links work.
    reached = {op for (op, status), _ in Workflow.calls.items() if 200 <= status < 300}
    assert {"schedules-create", "schedules-get", "schedules-delete", "jobs-create"} <= reached, (
        sorted(Workflow.calls.items())
    )


def test_every_link_names_an_operation_and_its_parameters() -> None:
    document = app.openapi()
    operations = {
        op["operationId"]: op for ops in document["paths"].values() for op in ops.values()
    }
    found = 0
    for op in operations.values():
        for answer in op["responses"].values():
            for link in answer.get("links", {}).values():
                target = operations[link["operationId"]]
                # Header names are case-insensitive; the others are not.
                declared = {
                    (p["in"], p["name"].lower() if p["in"] == "header" else p["name"])
                    for p in target.get("parameters", [])
                }
                for qualified in link["parameters"]:
                    where, _, name = qualified.rpartition(".")
                    name = name.lower() if where == "header" else name
                    assert (where or "path", name) in declared, (link, qualified)
                found += 1
    assert found >= 30
