"""The OpenAPI document says what the API answers. Each test here pins one mismatch
schemathesis found (test_schemathesis.py) before the API had typed models."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from tests.unit.api.conftest import BASE, SEED_004_BODY, one

ERROR_REF = "#/components/schemas/ErrorBody"
ENTRY_OPERATIONS = [
    "schedules-get",
    "schedules-update",
    "schedules-patch",
    "schedules-delete",
    "schedules-pause",
    "schedules-resume",
    "schedules-run",
    "schedules-runs",
    "schedules-audit",
]
READING = ("schedules-get", "schedules-runs", "schedules-audit")
MUTATING = [*(op for op in ENTRY_OPERATIONS if op not in READING), "schedules-create"]


def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for ops in spec["paths"].values() for op in ops.values()}


def conforms(spec: dict[str, Any], operation: dict[str, Any], response: Any) -> None:
    """`response` is documented for `operation`, and its body matches the schema."""
    documented = operation["responses"][str(response.status_code)]
    schema = documented["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**schema, "components": spec["components"]})


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()  # type: ignore[no-any-return]


def test_operation_ids_are_readable_and_stable(spec: dict[str, Any]) -> None:
    assert sorted(operations(spec)) == sorted(
        [
            *ENTRY_OPERATIONS,
            "schedules-list",
            "schedules-create",
            "tasks-list",
            "timing-preview",
            "status-get",
            "status-export",
            "control-get",
            "control-pause",
            "control-resume",
            "health-check",
            "metrics-get",
            "runs-list",
            "runs-get",
            # Seed 000's routes (test_jobs.py checks them).
            "jobs-scheduler-start",
            "jobs-scheduler-stop",
            "jobs-scheduler-status",
            "jobs-list",
            "jobs-create",
            "jobs-presets",
            "jobs-get",
            "jobs-update",
            "jobs-delete",
        ]
    )


def test_every_error_response_is_the_error_body(spec: dict[str, Any]) -> None:
    """Was: 422 documented as FastAPI's `loc/msg/type`, while the API answers `field`."""
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for op_id, op in operations(spec).items():
        for code, response in op["responses"].items():
            if int(code) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, (op_id, code)


@pytest.mark.parametrize("op_id", ENTRY_OPERATIONS)
def test_routes_on_one_entry_document_404(spec: dict[str, Any], op_id: str) -> None:
    """Was: an unknown name answered an undocumented 404."""
    assert "404" in operations(spec)[op_id]["responses"]


@pytest.mark.parametrize("op_id", MUTATING)
def test_mutating_routes_document_401_and_the_token(spec: dict[str, Any], op_id: str) -> None:
    """Was: 401 undocumented, and the token headers plain parameters schemathesis filled."""
    op = operations(spec)[op_id]
    assert "401" in op["responses"]
    assert op["security"] == [{"HTTPBearer": []}, {"APIKeyHeader": []}]
    assert not {p["name"].lower() for p in op.get("parameters", [])} & {
        "authorization",
        "x-api-token",
    }


def test_conflicts_and_stale_versions_are_documented(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    assert "409" in ops["schedules-create"]["responses"]
    for op_id in ("schedules-update", "schedules-patch", "schedules-delete", "schedules-pause"):
        assert "412" in ops[op_id]["responses"]
        assert "ETag" in ops[op_id]["responses"]["412"]["headers"]


@pytest.mark.parametrize(
    ("url", "op_id", "field"),
    [
        (BASE + "?origin=null", "schedules-list", "origin"),
        ("/api/scheduler/status?workers=null&workers=null", "status-get", "workers"),
    ],
)
def test_a_422_matches_its_documented_schema(
    client: TestClient, spec: dict[str, Any], url: str, op_id: str, field: str
) -> None:
    """Was: the answer had `field`, the document demanded `loc`."""
    response = client.get(url)
    assert response.status_code == 422
    conforms(spec, operations(spec)[op_id], response)
    assert response.json()["detail"][0]["field"] == field


@pytest.mark.parametrize("grace", ["1e300", "inf", "nan", "-1"])
def test_status_refuses_a_grace_beyond_bounds(client: TestClient, grace: str) -> None:
    """Was: `grace=1e300` overflowed the date arithmetic into a 500."""
    response = client.get("/api/scheduler/status", params={"grace": grace, "workers": "false"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "grace"
    # A refused read saved nothing, so it does not say "the schedule was not saved".
    assert response.json()["message"].startswith("The request was refused: ")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_body_that_is_not_utf8_is_422_naming_the_body(client: TestClient, method: str) -> None:
    """Was: FastAPI's 400 "There was an error parsing the body", undocumented."""
    client.post(BASE, json=SEED_004_BODY)
    url = BASE if method == "POST" else one("테스트_크롤링")
    response = client.request(
        method, url, content=b'{"name": "\xff"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_deeply_nested_body_is_422_naming_the_body(client: TestClient, method: str) -> None:
    """Was: RecursionError in the JSON decoder, a 500."""
    client.post(BASE, json=SEED_004_BODY)
    url = BASE if method == "POST" else one("테스트_크롤링")
    # Within MAX_BODY_BYTES (a larger body is refused unread, with 413).
    response = client.request(method, url, content=b"[" * 60000)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body"


@pytest.mark.parametrize(
    ("op_id", "model", "example"),
    [
        ("schedules-create", "ScheduleCreate", "seed004_weekly"),
        ("schedules-update", "ScheduleUpdate", "seed004_time"),
        ("schedules-patch", "ScheduleUpdate", "to_interval"),
    ],
)
def test_request_bodies_are_their_models_with_the_seed_examples(
    spec: dict[str, Any], op_id: str, model: str, example: str
) -> None:
    """Was: bodies read as `Any`, their schemas merged into the document by hand."""
    body = operations(spec)[op_id]["requestBody"]
    assert body["required"] is True
    content = body["content"]["application/json"]
    assert content["schema"] == {"$ref": f"#/components/schemas/{model}"}
    schema = {**content["schema"], "components": spec["components"]}
    for named in content["examples"].values():
        jsonschema.validate(named["value"], schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**content["examples"][example]["value"], "colour": "red"}, schema)


@pytest.mark.parametrize(
    ("method", "body", "field", "value"),
    [
        ("POST", {**SEED_004_BODY, "interval": "often"}, "interval", "often"),
        ("POST", {**SEED_004_BODY, "enabled": [1]}, "enabled", [1]),
        ("PUT", {"interval": 0}, "interval", 0),
        ("PATCH", {"policy": {"max_retries": 101}}, "policy.max_retries", 101),
        ("PATCH", {"options": {"colour": "red"}}, "options.colour", "red"),
        ("PATCH", {"hour": [15]}, "hour", [15]),
    ],
)
def test_a_request_model_error_is_in_the_error_shape(
    client: TestClient,
    spec: dict[str, Any],
    method: str,
    body: dict[str, Any],
    field: str,
    value: Any,
) -> None:
    """A body that fails its model names the field and the value, never `loc/msg/type`."""
    client.post(BASE, json=SEED_004_BODY)
    url = BASE if method == "POST" else one("테스트_크롤링")
    response = client.request(method, url, json=body)
    assert response.status_code == 422
    op_id = {"POST": "schedules-create", "PUT": "schedules-update", "PATCH": "schedules-patch"}
    conforms(spec, operations(spec)[op_id[method]], response)
    detail = response.json()["detail"]
    assert [(d["field"], d["value"]) for d in detail] == [(field, value)], detail


def test_unknown_route_is_404_in_the_error_shape(client: TestClient, spec: dict[str, Any]) -> None:
    """Was: Starlette's `{"detail": "Not Found"}`."""
    response = client.get("/api/nowhere")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "not_found"
    assert body["detail"] == [{"field": "path", "value": "/api/nowhere", "message": "Not Found"}]
    jsonschema.validate(body, {"$ref": ERROR_REF, "components": spec["components"]})


def test_wrong_method_is_405_in_the_error_shape_with_allow(client: TestClient) -> None:
    response = client.put(BASE, json={})
    assert response.status_code == 405
    body = response.json()
    assert body["error"] == "method_not_allowed"
    assert body["detail"][0]["field"] == "method" and body["detail"][0]["value"] == "PUT"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", BASE, "GET, POST"),
        ("DELETE", "/api/scheduler/pause", "GET, POST"),
        ("PATCH", "/scheduler/jobs", "GET, POST"),
        ("POST", "/health", "GET"),
    ],
)
def test_a_405_allows_every_method_of_its_path(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    """Not only the first route's (Starlette's own 405 said `Allow: GET` where POST
    creates too; schemathesis' unsupported-method cases found it)."""
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert f"(allowed: {allowed})" in response.json()["message"]


def test_unauthorized_matches_its_documented_schema(
    client: TestClient, spec: dict[str, Any], settings: Settings
) -> None:
    settings.api_token = "s3cret"
    response = client.post(BASE, json=SEED_004_BODY, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    conforms(spec, operations(spec)["schedules-create"], response)


def test_entry_answers_match_their_documented_schemas(
    client: TestClient, spec: dict[str, Any]
) -> None:
    ops = operations(spec)
    created = client.post(BASE, json=SEED_004_BODY)
    conforms(spec, ops["schedules-create"], created)
    assert "cron" not in created.json()["schedule"]  # timing fields only as written
    conforms(spec, ops["schedules-get"], client.get(one("테스트_크롤링")))
    conforms(spec, ops["schedules-list"], client.get(BASE))
    conforms(spec, ops["schedules-update"], client.put(one("테스트_크롤링"), json={"hour": 15}))
    conforms(spec, ops["schedules-pause"], client.post(one("테스트_크롤링") + "/pause"))
    conforms(spec, ops["schedules-delete"], client.delete(one("테스트_크롤링")))
    conforms(spec, ops["tasks-list"], client.get("/api/scheduler/tasks"))


def test_routing_refusals_speak_the_configured_language(
    client: TestClient, settings: Settings
) -> None:
    settings.language = "ko"
    missing = client.get("/api/nowhere").json()
    assert missing["message"] == "/api/nowhere 경로가 없습니다. 모든 경로는 /docs에 있습니다."
    wrong = client.put(BASE, json={}).json()
    assert wrong["message"].startswith(f"{BASE}에서는 PUT 요청을 쓸 수 없습니다")
