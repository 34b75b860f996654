"""Crontab field bounds through the API: a value out of range is 422, never 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.api.conftest import BASE, CRAWL, one


@pytest.mark.parametrize(
    ("timing", "field", "value"),
    [
        pytest.param({"hour": 24}, "hour", "24", id="hour_24"),
        pytest.param({"hour": "0-24"}, "hour", "0-24", id="hour_range_to_24"),
        pytest.param({"hour": "*/25"}, "hour", "*/25", id="hour_step_25"),
        pytest.param({"minute": 60, "hour": 9}, "minute", "60", id="minute_60"),
        pytest.param({"day_of_week": "7"}, "day_of_week", "7", id="day_of_week_7"),
        pytest.param({"cron": "0 24 * * *"}, "cron", "24", id="cron_hour_24"),
    ],
)
def test_create_with_a_field_out_of_range_is_422(
    client: TestClient, timing: dict[str, Any], field: str, value: str
) -> None:
    response = client.post(BASE, json={"name": "범위", "task": CRAWL, **timing})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert [(d["field"], d["value"]) for d in detail] == [(field, value)]
    # Nothing was written.
    assert client.get(one("범위")).status_code == 404


def test_update_to_hour_24_is_422_and_keeps_the_entry(client: TestClient) -> None:
    assert client.post(BASE, json={"name": "범위", "task": CRAWL, "hour": 23}).status_code == 201
    response = client.patch(one("범위"), json={"hour": 24})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "hour"
    assert client.get(one("범위")).json()["timing"]["hour"] == "23"
