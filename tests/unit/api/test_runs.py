"""Routes of app/api/routes/runs.py: a schedule's runs, runs across schedules, one run.

Records are written through the store's own methods (tests/unit/api/history.py), as
run-now, the worker and Beat write them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import fakeredis
import jsonschema
import pytest
from fastapi.testclient import TestClient

from app.schedules import ScheduleStore
from tests.unit.api.conftest import BASE
from tests.unit.api.history import finish, lose, queue, run, start, store_of
from tests.unit.beat.fakes import lua_fakeredis

RUNS = "/api/scheduler/runs"


@pytest.fixture
def fake_redis() -> fakeredis.FakeRedis:
    return lua_fakeredis()  # Beat's commit script needs redis.sha1hex


@pytest.fixture
def store(fake_redis: fakeredis.FakeRedis) -> ScheduleStore:
    return store_of(fake_redis)


def create(client: TestClient, name: str) -> None:
    body = {"name": name, "task": "app.tasks.scheduler.crawl_all_complexes", "interval": 3600}
    assert client.post(BASE, json=body).status_code == 201


def runs_of(name: str) -> str:
    return f"{BASE}/{quote(name, safe='')}/runs"


def documented(client: TestClient, model: str) -> dict[str, Any]:
    components = client.get("/openapi.json").json()["components"]
    return {"$ref": f"#/components/schemas/{model}", "components": components}


def test_a_schedule_s_runs_are_newest_first_with_the_run_in_progress_first(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "수집")
    done = [run(store, "수집", outcome) for outcome in ("succeeded", "failed", "timed_out")]
    running = queue(store, "수집")
    start(store, running)

    response = client.get(runs_of("수집"))

    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, documented(client, "RunsPage"))
    assert [r["task_id"] for r in body["runs"]] == [running, *reversed(done)]
    live, newest = body["runs"][0], body["runs"][1]
    assert (live["outcome"], live["id"], live["recorded_at"], live["worker"]) == (
        "running",
        None,
        None,
        "w1@test",
    )
    assert (newest["outcome"], newest["duration_seconds"]) == ("timed_out", 1.5)
    assert newest["recorded_at"].endswith("Z") and newest["trigger"] == "run_now"
    failed = body["runs"][2]
    assert failed["error"] == {"type": "ValueError", "message": "bad row 7", "traceback": None}
    assert body["next_cursor"] is None


def test_cursors_walk_every_record_once_and_only_the_first_page_has_the_live_one(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a")
    done = [run(store, "a") for _ in range(5)]
    live = queue(store, "a")

    seen: list[list[str]] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = client.get(runs_of("a"), params=params).json()
        seen.append([r["task_id"] for r in body["runs"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert cursor == body["runs"][-1]["id"]

    newest = list(reversed(done))
    assert seen == [[live, *newest[:2]], newest[2:4], newest[4:]]


def test_a_last_page_that_is_exactly_full_has_no_next_cursor(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a")
    for _ in range(4):
        run(store, "a")
    first = client.get(runs_of("a"), params={"limit": 2}).json()
    second = client.get(runs_of("a"), params={"limit": 2, "cursor": first["next_cursor"]})
    assert len(second.json()["runs"]) == 2
    assert second.json()["next_cursor"] is None


def test_unknown_schedule_without_history_is_404_but_a_deleted_one_keeps_its_history(
    client: TestClient, store: ScheduleStore
) -> None:
    missing = client.get(runs_of("없음"))
    assert missing.status_code == 404
    body = missing.json()
    assert (body["error"], body["detail"][0]["field"], body["detail"][0]["value"]) == (
        "not_found",
        "name",
        "없음",
    )
    assert "no run history" in body["message"]

    create(client, "지움")
    assert client.get(runs_of("지움")).json() == {"runs": [], "next_cursor": None}
    task_id = run(store, "지움", "failed")
    assert client.delete(f"{BASE}/지움").status_code == 200

    kept = client.get(runs_of("지움"))
    assert kept.status_code == 200
    assert [r["task_id"] for r in kept.json()["runs"]] == [task_id]
    assert client.get(f"{RUNS}/{task_id}").json()["outcome"] == "failed"


@pytest.mark.parametrize(
    ("params", "field", "value"),
    [
        ({"cursor": "abc"}, "cursor", "abc"),
        ({"cursor": "1-2-3"}, "cursor", "1-2-3"),
        ({"cursor": "١-١"}, "cursor", "١-١"),  # digits, but not ASCII ones
        ({"cursor": "99999999999999999999-0"}, "cursor", "99999999999999999999-0"),
        ({"cursor": "1-" + "9" * 60}, "cursor", "1-" + "9" * 60),
        ({"limit": 0}, "limit", "0"),
        ({"limit": 1001}, "limit", "1001"),
        ({"limit": "many"}, "limit", "many"),
    ],
)
def test_bad_paging_is_422_naming_the_field_and_value(
    client: TestClient, params: dict[str, Any], field: str, value: str
) -> None:
    create(client, "a")
    for url in (runs_of("a"), RUNS):
        response = client.get(url, params=params)
        assert response.status_code == 422, (url, response.text)
        [detail] = response.json()["detail"]
        assert (detail["field"], detail["value"]) == (field, value)
        assert response.json()["message"].startswith("The request was refused: ")


def test_the_lowest_cursor_is_an_empty_last_page(client: TestClient, store: ScheduleStore) -> None:
    create(client, "a")
    run(store, "a")
    for url in (runs_of("a"), RUNS):
        response = client.get(url, params={"cursor": "0-0"})
        assert response.status_code == 200
        assert (response.json()["runs"], response.json()["next_cursor"]) == ([], None)


def test_one_run_by_task_id_while_queued_running_and_after(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a")
    task_id = queue(store, "a")
    assert client.get(f"{RUNS}/{task_id}").json()["outcome"] == "sent"
    start(store, task_id)
    assert client.get(f"{RUNS}/{task_id}").json()["outcome"] == "running"
    finish(store, task_id, "succeeded", took=2.25)

    response = client.get(f"{RUNS}/{task_id}")

    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, documented(client, "RunPublic"))
    assert (body["outcome"], body["duration_seconds"], body["schedule"]) == ("succeeded", 2.25, "a")
    assert body["id"] == client.get(runs_of("a")).json()["runs"][0]["id"]


def test_an_unknown_task_id_is_404_naming_it_in_the_configured_language(
    client: TestClient, settings: Any
) -> None:
    response = client.get(f"{RUNS}/nope")
    assert response.status_code == 404
    assert response.json()["detail"][0] == {
        "field": "task_id",
        "value": "nope",
        "message": "no run with task id 'nope' is in progress or kept",
    }
    settings.language = "ko"
    korean = client.get(f"{RUNS}/nope").json()["message"]
    assert korean == "작업 ID 'nope'인 실행은 진행 중이지도 않고 기록에도 남아 있지 않습니다."
    assert client.get(f"{RUNS}/{'x' * 201}").json()["detail"][0]["field"] == "task_id"


def test_a_lost_run_is_recorded_with_its_reason(client: TestClient, store: ScheduleStore) -> None:
    create(client, "a")
    task_id = lose(store, "a")
    body = client.get(f"{RUNS}/{task_id}").json()
    assert (body["outcome"], body["reason"], body["duration_seconds"]) == (
        "lost",
        "lease expired",
        None,
    )
