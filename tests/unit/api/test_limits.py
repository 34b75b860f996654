"""The limits (docs/security.md): each refusal's status and body, and that nothing was
written. Bodies beyond MAX_BODY_BYTES, arguments beyond MAX_ARGS_BYTES or
MAX_ARGS_DEPTH, schedules beyond MAX_SCHEDULES, and the echo of a refused value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import fakeredis
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings, get_settings
from app.core.constants import REDBEAT_SCHEDULE_KEY
from tests.unit.api.conftest import BASE, CRAWL, one

JOBS = "/scheduler/jobs"


def body(name: str = "limited", **fields: Any) -> dict[str, Any]:
    return {"name": name, "task": CRAWL, "interval": 60, **fields}


def assert_nothing_written(fake_redis: fakeredis.FakeRedis) -> None:
    assert fake_redis.zcard(REDBEAT_SCHEDULE_KEY) == 0
    assert fake_redis.keys("redbeat:*") == [REDBEAT_SCHEDULE_KEY] or not fake_redis.keys(
        "redbeat:*"
    )


# --- MAX_BODY_BYTES --------------------------------------------------------------------


def test_a_body_over_the_limit_by_its_length_is_413_naming_the_limit(
    client: TestClient, fake_redis: fakeredis.FakeRedis, settings: Settings
) -> None:
    padded = json.dumps(body(description="x" * 200)).encode()
    padded += b" " * (settings.max_body_bytes + 1 - len(padded))
    resp = client.post(BASE, content=padded, headers={"content-type": "application/json"})
    assert resp.status_code == 413
    reply = resp.json()
    assert reply["error"] == "too_large"
    assert "MAX_BODY_BYTES" in reply["message"] and str(settings.max_body_bytes) in reply["message"]
    assert reply["detail"][0]["field"] == "body"
    assert_nothing_written(fake_redis)


def test_a_chunked_body_is_counted_as_it_arrives_and_refused(
    client: TestClient, fake_redis: fakeredis.FakeRedis, settings: Settings
) -> None:
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        # A valid schedule up front: only the count can refuse it.
        yield json.dumps(body())[:-1].encode() + b', "description": "'
        for _ in range(settings.max_body_bytes // 1000 + 5):
            sent.append(1000)
            yield b"x" * 1000
        yield b'"}'

    resp = client.post(BASE, content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in resp.request.headers  # chunked: no length to judge by
    assert resp.status_code == 413
    assert resp.json()["error"] == "too_large"
    assert_nothing_written(fake_redis)


def test_a_body_at_the_limit_is_read(client: TestClient, settings: Settings) -> None:
    exact = json.dumps(body()).encode()
    exact += b" " * (settings.max_body_bytes - len(exact))
    resp = client.post(BASE, content=exact, headers={"content-type": "application/json"})
    assert resp.status_code == 201, resp.text


def test_the_limit_is_the_setting(
    client: TestClient, fake_redis: fakeredis.FakeRedis, settings: Settings
) -> None:
    settings.max_body_bytes = 2048
    resp = client.post(BASE, json=body(description="x" * 3000))
    assert resp.status_code == 413
    assert "2048" in resp.json()["message"]


# --- the echo of a refused value -------------------------------------------------------


def test_a_5000_character_name_answers_with_a_small_body(client: TestClient) -> None:
    resp = client.post(BASE, json=body("n" * 5000))
    assert resp.status_code == 422
    assert len(resp.content) < 1000
    value = resp.json()["detail"][0]["value"]
    assert value == "n" * 80 + "…"


def test_a_long_name_in_the_path_is_echoed_short(client: TestClient) -> None:
    resp = client.get(one("p" * 5000))
    assert resp.status_code == 404
    assert len(resp.content) < 1000
    assert "p" * 81 not in resp.text


def test_a_long_value_quoted_inside_a_message_is_cut_there_too(client: TestClient) -> None:
    resp = client.post(BASE, json=body(timezone="Z" * 3000))
    assert resp.status_code == 422
    assert len(resp.content) < 1500
    assert "Z" * 81 not in resp.text


def test_a_large_refused_object_is_echoed_as_short_text(client: TestClient) -> None:
    resp = client.post(BASE, json=body(args=list(range(4000))))
    assert resp.status_code == 422
    value = resp.json()["detail"][0]["value"]
    assert isinstance(value, str) and len(value) == 81 and value.endswith("…")


def test_thousands_of_refused_fields_list_only_the_first(client: TestClient) -> None:
    resp = client.post(BASE, json=body(**{f"unknown{i}": i for i in range(2000)}))
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert len(detail) == 21
    assert detail[-1]["field"] == "…" and detail[-1]["value"] >= 1980


def test_a_lone_surrogate_is_refused_and_echoed_escaped(client: TestClient) -> None:
    raw = json.dumps(body("x\\ud800")).replace("\\\\ud800", "\\ud800").encode()
    resp = client.post(BASE, content=raw, headers={"content-type": "application/json"})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["value"] == "x\\ud800"


# --- MAX_ARGS_BYTES and MAX_ARGS_DEPTH -------------------------------------------------


def test_args_beyond_the_size_limit_are_refused_naming_args(
    client: TestClient, fake_redis: fakeredis.FakeRedis
) -> None:
    resp = client.post(BASE, json=body(args=["a" * 17_000]))
    assert resp.status_code == 422
    problem = resp.json()["detail"][0]
    assert problem["field"] == "args"
    assert "MAX_ARGS_BYTES" in problem["message"] and "16384" in problem["message"]
    assert_nothing_written(fake_redis)


def test_kwargs_beyond_the_size_limit_are_refused_naming_kwargs(client: TestClient) -> None:
    resp = client.post(BASE, json=body(kwargs={"k": "가" * 6000}))  # 3 bytes each
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["field"] == "kwargs"


def test_nesting_beyond_the_depth_limit_is_refused(
    client: TestClient, fake_redis: fakeredis.FakeRedis
) -> None:
    deep: Any = 1
    for _ in range(12):
        deep = [deep]
    resp = client.post(BASE, json=body(kwargs={"deep": deep}))
    assert resp.status_code == 422
    problem = resp.json()["detail"][0]
    assert problem["field"] == "kwargs" and "MAX_ARGS_DEPTH" in problem["message"]
    assert_nothing_written(fake_redis)


def test_an_update_is_held_to_the_same_limits(client: TestClient) -> None:
    assert client.post(BASE, json=body("grows")).status_code == 201
    resp = client.patch(one("grows"), json={"args": ["a" * 17_000]})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["field"] == "args"


COLLECT = "app.tasks.collection.collect_wholesale_products"


@pytest.fixture
def stored_then_lowered(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> str:
    """A schedule stored with 50 bytes of arguments, then MAX_ARGS_BYTES lowered to 20."""
    kwargs = {"suppliers": ["zentrade", "ownerclan", "domeggook"]}
    assert client.post(BASE, json=body("big", task=COLLECT, kwargs=kwargs)).status_code == 201
    monkeypatch.setattr(get_settings(), "max_args_bytes", 20)
    return "big"


def test_a_lowered_limit_still_lets_a_stored_schedule_be_paused_and_edited(
    client: TestClient, stored_then_lowered: str
) -> None:
    name = stored_then_lowered
    assert client.post(one(name) + "/pause").status_code == 200
    assert client.post(one(name) + "/resume").status_code == 200
    assert client.patch(f"{JOBS}/{name}", json={"is_active": False}).status_code == 200
    assert client.patch(one(name), json={"enabled": True, "interval": 120}).status_code == 200
    stored = client.get(one(name)).json()["kwargs"]
    assert client.patch(one(name), json={"kwargs": stored}).status_code == 200  # no change
    # Arguments written anew are held to the lowered limit, on an update or a create.
    resp = client.patch(one(name), json={"kwargs": {"suppliers": ["domomae", "zentrade"]}})
    assert resp.status_code == 422
    assert "MAX_ARGS_BYTES" in resp.json()["detail"][0]["message"]
    assert client.post(BASE, json=body("copy", task=COLLECT, kwargs=stored)).status_code == 422


def test_arguments_equal_in_python_but_longer_in_json_count_as_a_change(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    kwargs = {"suppliers": ["zentrade"], "simulate_seconds": 1}  # 49 bytes with args' []
    assert client.post(BASE, json=body("one", task=COLLECT, kwargs=kwargs)).status_code == 201
    monkeypatch.setattr(get_settings(), "max_args_bytes", 49)
    # 1 == 1.0 in Python, but "1.0" is two bytes longer: the limit applies.
    resp = client.patch(one("one"), json={"kwargs": {**kwargs, "simulate_seconds": 1.0}})
    assert resp.status_code == 422, resp.text


# --- MAX_SCHEDULES ---------------------------------------------------------------------


@pytest.fixture
def cap_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    # The store reads the process's settings, as Beat, the CLI and the API all do.
    monkeypatch.setattr(get_settings(), "max_schedules", 2)


@pytest.mark.usefixtures("cap_of_two")
def test_a_create_beyond_max_schedules_is_refused_and_writes_nothing(
    client: TestClient, fake_redis: fakeredis.FakeRedis
) -> None:
    assert client.post(BASE, json=body("one")).status_code == 201
    assert client.post(BASE, json=body("two")).status_code == 201
    keys = sorted(fake_redis.keys("*"))
    resp = client.post(BASE, json=body("three"))
    assert resp.status_code == 422
    problem = resp.json()["detail"][0]
    assert problem["field"] == "name" and "MAX_SCHEDULES" in problem["message"]
    assert sorted(fake_redis.keys("*")) == keys  # not even an audit record
    # Seed 000's route is the same create.
    seed_000 = {
        "name": "three",
        "function_name": "crawl_all_complexes",
        "cron_expression": "0 3 * * *",
    }
    resp = client.post(JOBS, json=seed_000)
    assert resp.status_code == 422, resp.text
    assert "MAX_SCHEDULES" in resp.text
    # An update of an existing one is no create.
    assert client.patch(one("two"), json={"interval": 120}).status_code == 200
    assert client.delete(one("two")).status_code == 200
    assert client.post(BASE, json=body("three")).status_code == 201
