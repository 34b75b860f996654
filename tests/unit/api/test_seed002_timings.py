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
