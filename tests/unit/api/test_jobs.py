"""Seed 000's routes (app/api/routes/jobs.py) in-process on fakeredis: each answer, each
field mapped onto the schedule it is, ids, presets, errors and the token."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import fakeredis
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.constants import REDBEAT_LOCK_KEY
from app.schedules import PRESETS, ScheduleStore
from tests.unit.api.conftest import one
from tests.unit.api.history import run

JOBS = "/scheduler/jobs"
# Seed 000's "새 작업 생성" body, as printed.
SEED_JOB: dict[str, Any] = {
    "name": "커스텀 수집 작업",
    "job_type": "COLLECTION",
    "function_name": "collect_wholesale_products",
    "cron_expression": "0 3 * * *",
    "parameters": {"test_mode": False},
    "max_retries": 3,
    "timeout_seconds": 3600,
}
WHOLESALE = "app.tasks.collection.collect_wholesale_products"


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(JOBS, json={**SEED_JOB, **fields})
    assert response.status_code == 201, response.text
    return response.json()["job"]  # type: ignore[no-any-return]


def native(client: TestClient, name: str) -> dict[str, Any]:
    response = client.get(one(quote(name)))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_job_is_the_schedule_seed_000_describes(client: TestClient) -> None:
    job = create(client)

    assert (job["id"], job["name"], job["job_type"]) == (1, "커스텀 수집 작업", "COLLECTION")
    assert (job["function_name"], job["task"]) == ("collect_wholesale_products", WHOLESALE)
    assert (job["cron_expression"], job["schedule"], job["timezone"]) == (
        "0 3 * * *",
        "At 03:00",
        "Asia/Seoul",
    )
    assert (job["parameters"], job["max_retries"], job["timeout_seconds"]) == (
        {"test_mode": False},
        3,
        3600,
    )
    assert job["is_active"] is True and job["next_run_at"].endswith("T03:00:00+09:00")
    assert 0 < job["next_run_in_seconds"] <= 86400 and job["next_run_in"].startswith("in ")
    entry = native(client, "커스텀 수집 작업")  # the same entry, in the full API
    assert (entry["task"], entry["cron"], entry["kwargs"]) == (
        WHOLESALE,
        "0 3 * * *",
        job["parameters"],
    )
    assert (entry["policy"]["max_retries"], entry["policy"]["timeout_seconds"]) == (3, 3600)
    assert (entry["category"], entry["enabled"], entry["origin"]) == ("COLLECTION", True, "api")
    assert job["url"] == one(quote("커스텀 수집 작업", safe=""))


def test_ids_are_given_in_order_and_never_reused(client: TestClient) -> None:
    first = create(client, name="a")
    second = create(client, name="b")
    assert client.delete(f"{JOBS}/2").json() == {
        "message": "Job 'b' was deleted.",
        "id": 2,
        "name": "b",
    }
    third = create(client, name="b")

    assert [first["id"], second["id"], third["id"]] == [1, 2, 3]
    missing = client.get(f"{JOBS}/2")
    assert missing.status_code == 404
    assert missing.json()["detail"] == [{"field": "job", "value": 2, "message": "no job has id 2"}]
    assert [j["id"] for j in client.get(JOBS).json()["jobs"]] == [1, 3]


def test_a_job_type_not_given_is_derived_and_lower_case_is_accepted(client: TestClient) -> None:
    derived = create(client, name="a", job_type=None)
    assert create(client, name="b", job_type="cleanup")["job_type"] == "CLEANUP"
    assert derived["job_type"] == "COLLECTION"
    assert native(client, "a")["category"] is None  # derived for show, not stored
    assert native(client, "b")["category"] == "CLEANUP"


def test_patch_switches_a_job_off_by_id_and_changes_other_fields_by_name(
    client: TestClient,
) -> None:
    create(client)
    off = client.patch(f"{JOBS}/1", json={"is_active": False})
    assert off.status_code == 200
    assert off.json()["job"]["is_active"] is False and off.json()["job"]["next_run_at"] is None

    changed = client.patch(
        f"{JOBS}/{quote('커스텀 수집 작업')}",
        json={
            "cron_expression": "30 14 * * 1-5",
            "parameters": {"suppliers": ["zentrade"]},
            "max_retries": 1,
            "timeout_seconds": None,
            "job_type": "custom",
        },
    ).json()["job"]

    assert (changed["cron_expression"], changed["parameters"]) == (
        "30 14 * * 1-5",
        {"suppliers": ["zentrade"]},
    )
    assert (changed["max_retries"], changed["timeout_seconds"], changed["job_type"]) == (
        1,
        None,
        "CUSTOM",
    )
    assert changed["is_active"] is False  # not given: unchanged
    reset = client.patch(f"{JOBS}/1", json={"job_type": None}).json()["job"]
    assert reset["job_type"] == "COLLECTION"  # derived from the function again


def test_detail_shows_the_last_runs_newest_first(client: TestClient, store: ScheduleStore) -> None:
    create(client)
    ids = [
        run(store, "커스텀 수집 작업", outcome) for outcome in ("succeeded", "failed", "succeeded")
    ]

    detail = client.get(f"{JOBS}/1", params={"limit": 2}).json()

    assert [r["task_id"] for r in detail["runs"]] == ids[:0:-1]
    assert [r["outcome"] for r in detail["runs"]] == ["succeeded", "failed"]
    assert (detail["stats"]["run_count"], detail["stats"]["error_count"]) == (3, 1)
    assert (detail["id"], detail["last_outcome"]) == (1, "succeeded")
    assert len(client.get(f"{JOBS}/1").json()["runs"]) == 3  # seed 000's default of 10


def test_presets_create_seed_000s_six_jobs_once(client: TestClient) -> None:
    create(client)
    first = client.post(f"{JOBS}/presets")
    again = client.post(f"{JOBS}/presets").json()

    assert first.status_code == 200
    created = first.json()["created"]
    assert [(j["id"], j["name"]) for j in created] == [
        (i, p.name) for i, p in enumerate(PRESETS, start=2)
    ]
    assert [j["cron_expression"] for j in created] == [
        "0 2 * * *",
        "0 14 * * *",
        "0 3 * * *",
        "0 1 * * 0",
        "0 23 * * *",
        "0 18 * * *",
    ]
    assert created[0]["parameters"] == {
        "suppliers": ["zentrade", "ownerclan", "domeggook", "domomae"],
        "test_mode": False,
    }
    assert [j["job_type"] for j in created][2:] == [
        "IMAGE_PROCESSING",
        "CLEANUP",
        "REPORT",
        "ANALYSIS",
    ]
    assert again["created"] == [] and [j["id"] for j in again["existing"]] == list(range(2, 8))
    assert again["message"] == "Default jobs: 0 created, 6 already there and left as they are."


def test_an_existing_preset_name_is_reported_not_overwritten(client: TestClient) -> None:
    mine = create(client, name="트렌드_분석", cron_expression="0 9 * * *")
    body = client.post(f"{JOBS}/presets").json()
    assert [j["name"] for j in body["existing"]] == ["트렌드_분석"]
    assert body["existing"][0]["cron_expression"] == "0 9 * * *" == mine["cron_expression"]
    assert len(body["created"]) == 5


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"function_name": "no_such_task"}, "function_name", "no_such_task"),
        ({"cron_expression": "0 3 * *"}, "cron_expression", "0 3 * *"),
        ({"cron_expression": "0 25 * * *"}, "cron_expression", "25"),
        ({"parameters": {"test_mode": "no"}}, "parameters.test_mode", "no"),
        ({"parameters": {"nope": 1}}, "parameters", {"nope": 1}),
        ({"job_type": "COLECTION"}, "job_type", "COLECTION"),
        ({"max_retries": -1}, "max_retries", -1),
        ({"timeout_seconds": 0}, "timeout_seconds", 0),
        ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"retries": 3}, "retries", 3),
        ({"name": ""}, "name", ""),
    ],
)
def test_a_refused_job_names_its_field_and_value(
    client: TestClient, fields: dict[str, Any], field: str, value: Any
) -> None:
    response = client.post(JOBS, json={**SEED_JOB, **fields})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert (detail["field"], detail["value"]) == (field, value)
    assert client.get(JOBS).json()["total"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", JOBS, SEED_JOB, 409),
        ("PATCH", f"{JOBS}/1", {"name": "다른 이름"}, 422),
        ("PATCH", f"{JOBS}/1", {"is_active": "maybe"}, 422),
        ("PATCH", f"{JOBS}/99", {"is_active": False}, 404),
        ("PATCH", f"{JOBS}/없는_작업", {"is_active": False}, 404),
        ("DELETE", f"{JOBS}/99", None, 404),
        ("GET", f"{JOBS}/1?limit=0", None, 422),
        ("GET", f"{JOBS}/99999999999999999999999", None, 404),
        ("GET", f"{JOBS}/%00", None, 404),
        ("GET", f"{JOBS}?limit=1001", None, 422),
        ("PUT", f"{JOBS}/1", {}, 405),
    ],
)
def test_refusals_are_4xx_in_the_one_error_shape(
    client: TestClient, method: str, path: str, body: Any, code: int
) -> None:
    create(client)
    response = client.request(method, path, json=body)
    assert response.status_code == code, response.text
    assert set(response.json()) == {"error", "message", "detail"}


def test_mutating_routes_need_the_token_when_one_is_set(
    client: TestClient, settings: Settings
) -> None:
    settings.api_token = "s3cret"
    calls = [
        ("POST", "/scheduler/start", None),
        ("POST", "/scheduler/stop", None),
        ("POST", JOBS, SEED_JOB),
        ("POST", f"{JOBS}/presets", None),
        ("PATCH", f"{JOBS}/1", {"is_active": False}),
        ("DELETE", f"{JOBS}/1", None),
    ]
    assert [client.request(m, p, json=b).status_code for m, p, b in calls] == [401] * 6
    auth = {"X-API-Token": "s3cret"}
    assert [client.request(m, p, json=b, headers=auth).status_code for m, p, b in calls] == [
        200,
        200,
        201,
        200,
        200,
        200,
    ]
    assert client.get("/scheduler/status").status_code == 200
    assert client.get(JOBS).status_code == 200


def test_stop_and_start_are_the_global_pause_and_status_says_so(
    client: TestClient, fake_redis: fakeredis.FakeRedis
) -> None:
    create(client)
    assert client.get("/scheduler/status").json()["message"].startswith("No Beat is running")
    fake_redis.set(REDBEAT_LOCK_KEY, "some-beat")  # a Beat holds the lock
    running = client.get("/scheduler/status").json()
    stopped = client.post("/scheduler/stop", json={"reason": "점검"}).json()
    status = client.get("/scheduler/status").json()

    assert (running["running"], running["paused"], running["jobs"]) == (True, False, 1)
    assert (stopped["paused"], stopped["pause"]["reason"]) == (True, "점검")
    assert stopped["pause"]["by"] == "client:testclient"
    assert (status["running"], status["paused"], status["beat_running"]) == (False, True, True)
    assert status["pause"]["reason"] == "점검"
    assert client.get(f"{JOBS}/1").json()["is_active"] is True  # its own switch untouched
    started = client.post("/scheduler/start").json()
    assert (started["paused"], client.get("/scheduler/status").json()["running"]) == (False, True)


def test_korean_messages_with_language_ko(client: TestClient, settings: Settings) -> None:
    settings.language = "ko"
    assert client.post(JOBS, json=SEED_JOB).json()["message"] == (
        "작업 '커스텀 수집 작업'이 생성되었습니다 (ID 1)."
    )
    assert client.get(f"{JOBS}/5").json()["message"].startswith("ID가 5인 작업이 없습니다")
    assert "시작" in client.post("/scheduler/start").json()["message"]


def test_status_with_redis_down_is_503(client: TestClient, settings: Settings) -> None:
    from redis import Redis

    from app.api.deps import get_redis
    from app.api.main import app

    app.dependency_overrides[get_redis] = lambda: Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.2
    )
    settings.redis_url = "redis://127.0.0.1:1/0"
    response = client.get("/scheduler/status")
    assert response.status_code == 503
    assert response.json()["error"] == "redis_unavailable"


def test_openapi_documents_the_routes_under_their_own_tag(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ops = {
        op["operationId"]: op
        for path, methods in spec["paths"].items()
        if path.startswith("/scheduler/")
        for op in methods.values()
    }
    assert sorted(ops) == [
        "jobs-create",
        "jobs-delete",
        "jobs-get",
        "jobs-list",
        "jobs-presets",
        "jobs-scheduler-start",
        "jobs-scheduler-status",
        "jobs-scheduler-stop",
        "jobs-update",
    ]
    assert {tag for op in ops.values() for tag in op["tags"]} == {"seed 000 jobs"}
    for op_id in ("jobs-create", "jobs-update", "jobs-delete", "jobs-presets"):
        assert "401" in ops[op_id]["responses"]
        assert ops[op_id]["security"] == [{"HTTPBearer": []}, {"APIKeyHeader": []}]
    body = ops["jobs-create"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/JobCreate"}
    assert spec["components"]["schemas"]["JobPublic"]["properties"]["job_type"]["enum"][0] == (
        "COLLECTION"
    )


def test_each_change_is_in_the_audit_trail_with_its_caller(client: TestClient) -> None:
    create(client)
    client.patch(f"{JOBS}/1", json={"is_active": False})
    client.delete(f"{JOBS}/1")

    events = client.get(one(quote("커스텀 수집 작업")) + "/audit").json()["events"]
    assert [e["actor"] for e in events] == ["client:testclient"] * 3
    assert [e["action"] for e in events][::2] == ["deleted", "created"]
