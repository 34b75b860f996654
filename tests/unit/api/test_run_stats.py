"""Run figures where schedules are shown: stats in the detail, the last outcome and
failure streak in the listing, failing schedules in the status; run-now's answer says
where to follow the run."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from app.core.celery_app import celery_app
from app.core.config import Settings
from app.schedules import ScheduleStore
from tests.unit.api.conftest import BASE
from tests.unit.api.history import create, run

STATUS = "/api/scheduler/status"


def documented(client: TestClient, model: str) -> dict[str, Any]:
    components = client.get("/openapi.json").json()["components"]
    return {"$ref": f"#/components/schemas/{model}", "components": components}


def test_the_detail_has_stats_three_failures_in_a_row(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a")
    run(store, "a", "succeeded", took=1.0)
    for took in (2.0, 3.0, 4.0):
        run(store, "a", "failed", took=took)

    response = client.get(f"{BASE}/a")

    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, documented(client, "ScheduleDetail"))
    stats = body["stats"]
    assert (stats["run_count"], stats["error_count"], stats["consecutive_failures"]) == (4, 3, 3)
    assert (stats["success_rate"], stats["last_outcome"]) == (0.25, "failed")
    assert (stats["last_duration_seconds"], stats["avg_duration_seconds"]) == (4.0, 2.5)
    assert stats["p95_duration_seconds"] == 4.0
    assert stats["last_finished_at"].endswith("Z")
    assert (body["last_outcome"], body["consecutive_failures"]) == ("failed", 3)
    assert body["last_finished_at"] == stats["last_finished_at"]

    run(store, "a", "succeeded")
    after = client.get(f"{BASE}/a").json()["stats"]
    assert (after["consecutive_failures"], after["success_rate"]) == (0, 0.4)


def test_a_schedule_without_runs_has_empty_stats(client: TestClient) -> None:
    create(client, "a")
    stats = client.get(f"{BASE}/a").json()["stats"]
    assert stats["run_count"] == 0 and stats["success_rate"] is None
    assert stats["last_outcome"] is None and stats["last_finished_at"] is None


def test_list_items_have_the_last_outcome_and_failure_streak(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a", "b", "c")
    run(store, "a", "failed")
    run(store, "a", "timed_out")
    run(store, "b", "succeeded")

    body = client.get(BASE).json()

    jsonschema.validate(body, documented(client, "SchedulesPublic"))
    streaks = {
        name: (item["last_outcome"], item["consecutive_failures"])
        for name, item in body["schedule"].items()
    }
    assert streaks == {"a": ("timed_out", 2), "b": ("succeeded", 0), "c": (None, 0)}
    for name in ("a", "b"):
        finished = client.get(f"{BASE}/{name}").json()["stats"]["last_finished_at"]
        assert body["schedule"][name]["last_finished_at"] == finished
        assert finished.endswith("Z")
    assert body["schedule"]["c"]["last_finished_at"] is None


def test_a_run_now_run_has_a_finish_time_but_no_beat_send(
    client: TestClient, store: ScheduleStore
) -> None:
    """`last_run_at` is Beat's; the listing says when any last run ended."""
    create(client, "a")
    run(store, "a", "succeeded")

    item = client.get(BASE).json()["schedule"]["a"]

    assert item["last_run_at"] is None
    assert (item["last_outcome"], item["last_finished_at"] is not None) == ("succeeded", True)


def test_status_lists_failing_schedules_and_is_unhealthy(
    client: TestClient, store: ScheduleStore, settings: Settings
) -> None:
    create(client, "a", "b", "c")
    for _ in range(3):
        run(store, "a", "failed")
    for _ in range(2):
        run(store, "b", "failed")  # below the threshold of 3
    for _ in range(4):
        run(store, "c", "timed_out")

    response = client.get(STATUS, params={"workers": "false"})

    body = response.json()
    jsonschema.validate(body, documented(client, "StatusPublic"))
    expected = [
        {"name": "c", "consecutive_failures": 4},
        {"name": "a", "consecutive_failures": 3},
    ]
    assert body["failing"] == {"threshold": 3, "schedules": expected}
    assert body["healthy"] is False
    [failing] = [p for p in body["problems"] if p["code"] == "failing"]
    assert failing == {"code": "failing", "count": 2, "threshold": 3, "schedules": expected}

    settings.alert_consecutive_failures = 2
    lower = client.get(STATUS, params={"workers": "false"}).json()["failing"]["schedules"]
    assert [f["name"] for f in lower] == ["c", "a", "b"]


def test_status_without_failing_schedules_has_no_failing_problem(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a")
    run(store, "a", "failed")
    run(store, "a", "succeeded")
    body = client.get(STATUS, params={"workers": "false"}).json()
    assert body["failing"] == {"threshold": 3, "schedules": []}
    assert "failing" not in [p["code"] for p in body["problems"]]


def test_pausing_a_failing_schedule_silences_it(client: TestClient, store: ScheduleStore) -> None:
    create(client, "a")
    for _ in range(3):
        run(store, "a", "failed")
    assert len(client.get(STATUS, params={"workers": "false"}).json()["failing"]["schedules"]) == 1

    assert client.post(f"{BASE}/a/pause").status_code == 200

    body = client.get(STATUS, params={"workers": "false"}).json()
    assert body["failing"]["schedules"] == []
    assert "failing" not in [p["code"] for p in body["problems"]]
    assert client.get(f"{BASE}/a").json()["consecutive_failures"] == 3, "still counted"


def test_run_now_says_where_to_follow_the_run(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Sent:
        id = "unused"

    monkeypatch.setattr(celery_app, "send_task", lambda *a, **k: Sent())
    create(client, "주간 업데이트/1")

    response = client.post(f"{BASE}/주간 업데이트%2F1/run")

    assert response.status_code == 202
    body = response.json()
    jsonschema.validate(body, documented(client, "RunSent"))
    assert body["run_url"] == f"/api/scheduler/runs/{body['task_id']}"
    assert response.headers["Location"] == body["run_url"]
    assert body["runs_url"].endswith("%EC%9D%B4%ED%8A%B8%2F1/runs")
    sent = client.get(body["run_url"]).json()
    assert (sent["outcome"], sent["trigger"]) == ("sent", "run_now")
    assert sent["schedule"] == "주간 업데이트/1"
    [listed] = client.get(body["runs_url"]).json()["runs"]
    assert listed["task_id"] == body["task_id"]


def test_run_now_documents_its_409_and_the_location(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    run_now = spec["paths"]["/api/scheduler/schedule/{name}/run"]["post"]
    assert "overlap" in run_now["responses"]["409"]["description"]
    assert "force" in run_now["responses"]["409"]["description"]
    assert "Location" in run_now["responses"]["202"]["headers"]
    [force] = [p for p in run_now["parameters"] if p["name"] == "force"]
    assert force["schema"]["default"] is False
