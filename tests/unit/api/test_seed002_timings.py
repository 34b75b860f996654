"""Seed 002's timings (`schedule_type` + `schedule_value`) through the API: create,
preview and change take them; reads show the timing they became."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.api.conftest import BASE, CRAWL, one

PREVIEW = "/api/scheduler/preview"


@pytest.mark.parametrize(
    ("kind", "value", "timing", "words"),
    [
        ("INTERVAL", "30", {"kind": "interval", "interval": 30.0}, "every 30 seconds"),
        ("DAILY", "14:30", {"kind": "crontab", "hour": "14", "minute": "30"}, "At 14:30"),
        ("CRON", "0 0 * * *", {"kind": "cron", "cron": "0 0 * * *"}, "At 00:00"),
        ("ONCE", "2030-01-01T09:00:00", {"kind": "once"}, "once, at 2030-01-01 09:00:00"),
    ],
)
def test_create_takes_seed_002s_timing(
    client: TestClient, kind: str, value: str, timing: dict[str, Any], words: str
) -> None:
    body = {"name": f"seed002_{kind}", "task": CRAWL, "schedule_type": kind}
    response = client.post(BASE, json={**body, "schedule_value": value})

    assert response.status_code == 201, response.text
    shown = client.get(one(f"seed002_{kind}")).json()
    assert timing.items() <= shown["timing"].items()
    assert shown["timing_text"] == words
    assert "schedule_type" not in shown and "schedule_value" not in shown


def test_a_bad_value_is_422_naming_schedule_value(client: TestClient) -> None:
    response = client.post(
        BASE,
        json={"name": "bad", "task": CRAWL, "schedule_type": "DAILY", "schedule_value": "25:00"},
    )

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (problem["field"], problem["value"]) == ("schedule_value", "25:00")
    assert client.get(one("bad")).status_code == 404


def test_an_unknown_type_is_422_naming_schedule_type(client: TestClient) -> None:
    response = client.post(
        BASE,
        json={"name": "bad", "task": CRAWL, "schedule_type": "HOURLY", "schedule_value": "5"},
    )

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["detail"]] == ["schedule_type"]


def test_preview_takes_seed_002s_timing(client: TestClient) -> None:
    body = client.post(PREVIEW, json={"schedule_type": "DAILY", "schedule_value": "02:00"}).json()

    assert (body["valid"], body["kind"], body["description"]) == (True, "crontab", "At 02:00")
    assert all(run.endswith("T02:00:00+09:00") for run in body["next_runs"])


def test_change_to_seed_002s_timing_switches_kind(client: TestClient) -> None:
    client.post(BASE, json={"name": "바꿈", "task": CRAWL, "cron": "0 3 * * 1"})

    response = client.patch(one("바꿈"), json={"schedule_type": "INTERVAL", "schedule_value": 60})

    assert response.status_code == 200, response.text
    timing = client.get(one("바꿈")).json()["timing"]
    assert (timing["kind"], timing["interval"]) == ("interval", 60.0)


HUGE = 10**400  # float() of it raises OverflowError


def test_a_huge_interval_is_422_naming_schedule_value_everywhere(client: TestClient) -> None:
    seed = {"schedule_type": "INTERVAL", "schedule_value": HUGE}
    client.post(BASE, json={"name": "a", "task": CRAWL, "interval": 60})
    calls = [
        client.post(BASE, json={"name": "big", "task": CRAWL, **seed}),
        client.put(one("a"), json=seed),
        client.patch(one("a"), json=seed),
    ]
    # The preview answers a timing it refuses with 200 and valid: false.
    previewed = client.post(PREVIEW, json=seed)

    for response in calls:
        assert response.status_code == 422, response.text
        assert [p["field"] for p in response.json()["detail"]] == ["schedule_value"]
    assert previewed.json()["valid"] is False
    assert [p["field"] for p in previewed.json()["detail"]] == ["schedule_value"]
    assert client.get(one("big")).status_code == 404
    assert client.get(one("a")).json()["timing"]["interval"] == 60.0


PAST = "2020-01-01T00:00:00+09:00"


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_change_to_a_past_once_is_refused_naming_schedule_value(
    client: TestClient, method: str
) -> None:
    client.post(BASE, json={"name": "a", "task": CRAWL, "interval": 60})

    response = client.request(
        method, one("a"), json={"schedule_type": "ONCE", "schedule_value": PAST}
    )

    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert (problem["field"], problem["value"]) == ("schedule_value", PAST)
    assert "in the past" in problem["message"]
    assert client.get(one("a")).json()["timing"]["kind"] == "interval"


def test_a_past_once_is_refused_as_the_caller_wrote_it(client: TestClient) -> None:
    seed = {"schedule_type": "ONCE", "schedule_value": PAST}
    created = client.post(BASE, json={"name": "past", "task": CRAWL, **seed})
    previewed = client.post(PREVIEW, json=seed)
    spelled_at = client.post(BASE, json={"name": "past", "task": CRAWL, "at": PAST})

    assert created.status_code == 422 and previewed.json()["valid"] is False
    for response in (created, previewed):
        [problem] = response.json()["detail"]
        assert (problem["field"], problem["value"]) == ("schedule_value", PAST)
    assert spelled_at.status_code == 422
    assert [p["field"] for p in spelled_at.json()["detail"]] == ["at"]


def test_a_number_for_once_is_refused_not_read_as_unix_time(client: TestClient) -> None:
    response = client.post(
        BASE,
        json={"name": "n", "task": CRAWL, "schedule_type": "ONCE", "schedule_value": 99999999999},
    )

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (problem["field"], problem["value"]) == ("schedule_value", 99999999999)
    assert "not a number" in problem["message"]
