"""POST /api/scheduler/preview: a timing in words and its next 5 fire times, checked as
a create checks it (the page's schedule form shows it before saving)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import fakeredis
import pytest
from fastapi.testclient import TestClient

from app.api.deps import get_registry, get_service
from app.api.main import app
from app.core.celery_app import celery_app
from app.core.config import Settings
from app.schedules import ScheduleService, ScheduleStore
from tests.unit.api.conftest import BASE, CRAWL

PREVIEW = "/api/scheduler/preview"
# Wednesday 2026-03-04 10:15:30 in Seoul.
NOW = datetime(2026, 3, 4, 1, 15, 30, tzinfo=UTC)


@pytest.fixture
def at_now(fake_redis: fakeredis.FakeRedis, client: TestClient) -> Iterator[TestClient]:
    """The client, with the service's clock stopped at NOW."""
    store = ScheduleStore(fake_redis, celery_app, "Asia/Seoul")
    service = ScheduleService(store, get_registry(), clock=lambda: NOW)
    app.dependency_overrides[get_service] = lambda: service
    yield client
    app.dependency_overrides.pop(get_service, None)


@pytest.mark.parametrize(
    ("timing", "description", "next_runs", "next_run_in"),
    [
        (
            {"cron": "0 3 * * *"},
            "At 03:00",
            [f"2026-03-{d:02}T03:00:00+09:00" for d in range(5, 10)],
            "in 16 h 44 min",
        ),
        (  # seed 004's spelling: numbers for crontab fields
            {"hour": 14, "minute": 30, "day_of_week": "3"},
            "At 14:30, only on Wednesday",
            [f"2026-03-{d:02}T14:30:00+09:00" for d in (4, 11, 18, 25)]
            + ["2026-04-01T14:30:00+09:00"],
            "in 4 h 14 min",
        ),
        (
            {"interval": 3600, "anchor": "2026-01-01T00:20:00"},
            "every 1 hour from 2026-01-01 00:20:00",
            [f"2026-03-04T{h:02}:20:00+09:00" for h in range(10, 15)],
            "in 4 min 30 s",
        ),
        (  # whole days stay on the wall clock across Berlin's change to summer time
            {"interval": 86400, "anchor": "2026-03-27T09:00:00", "timezone": "Europe/Berlin"},
            "every 1 day from 2026-03-27 09:00:00",
            ["2026-03-27T09:00:00+01:00", "2026-03-28T09:00:00+01:00"]
            + [f"2026-03-{d}T09:00:00+02:00" for d in (29, 30, 31)],
            "in 23 d 6 h",
        ),
        (
            {"at": "2026-03-04T12:00:00+09:00"},
            "once, at 2026-03-04 12:00:00",
            ["2026-03-04T12:00:00+09:00"],
            "in 1 h 44 min",
        ),
    ],
)
def test_the_next_five_fire_times_in_the_timings_zone(
    at_now: TestClient,
    timing: dict[str, Any],
    description: str,
    next_runs: list[str],
    next_run_in: str,
) -> None:
    response = at_now.post(PREVIEW, json=timing)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is True
    assert body["description"] == description
    assert body["next_runs"] == next_runs
    assert body["next_run_in"] == next_run_in
    assert body["timezone"] == timing.get("timezone", "Asia/Seoul")


def test_a_plain_interval_counts_from_now(at_now: TestClient) -> None:
    body = at_now.post(PREVIEW, json={"interval": 5}).json()

    assert body["kind"] == "interval"
    assert body["description"] == "every 5 seconds"
    assert body["next_runs"][0] == "2026-03-04T10:15:35+09:00"
    assert body["next_runs"][-1] == "2026-03-04T10:15:55+09:00"
    assert body["next_run_in"] == "in 5 s"


def test_words_follow_language(at_now: TestClient, settings: Settings) -> None:
    settings.language = "ko"

    body = at_now.post(PREVIEW, json={"cron": "0 3 * * 1"}).json()

    assert "월요일" in body["description"]
    assert body["next_run_in"] == "4일 16시간 후"


def test_the_preview_is_what_the_saved_schedule_does(client: TestClient) -> None:
    """The same math as a create: the preview's times are the entry's `upcoming`."""
    timing = {"cron": "0 3 1 1 *", "timezone": "America/New_York"}

    preview = client.post(PREVIEW, json=timing).json()
    created = client.post(BASE, json={"name": "새해", "task": CRAWL, **timing})
    detail = client.get(f"{BASE}/새해").json()

    assert created.status_code == 201, created.text
    assert preview["next_runs"] == detail["upcoming"]
    assert preview["description"] == detail["timing_text"]


def test_writes_nothing_and_needs_no_token(
    client: TestClient, settings: Settings, fake_redis: fakeredis.FakeRedis
) -> None:
    settings.api_token = "secret"

    response = client.post(PREVIEW, json={"cron": "*/5 * * * *"})

    assert response.status_code == 200
    assert fake_redis.keys("*") == []


@pytest.mark.parametrize(
    ("timing", "field"),
    [
        ({"cron": "0 3 * *"}, "cron"),
        ({"cron": "0 25 * * *"}, "cron"),
        ({"minute": "61"}, "minute"),
        ({"hour": ""}, "hour"),
        ({"cron": "0 3 * * *", "interval": 60}, "timing"),
        ({}, "timing"),
        ({"cron": "0 3 * * *", "anchor": "2026-01-01T00:00:00"}, "anchor"),
        ({"interval": 0}, "interval"),
        ({"interval": "often"}, "interval"),
        ({"interval": 60, "timezone": "Mars/Olympus"}, "timezone"),
        ({"at": "2026-03-04T10:00:00"}, "at"),  # before NOW in Seoul
        ({"at": "soon"}, "at"),
    ],
)
def test_a_bad_timing_is_answered_200_invalid_naming_its_field(
    at_now: TestClient, timing: dict[str, Any], field: str
) -> None:
    """The form asks while the user types: a timing a create would refuse is an
    answer, not an error (a browser logs every 4xx as one)."""
    response = at_now.post(PREVIEW, json=timing)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is False
    assert [d["field"] for d in body["detail"]] == [field]
    assert set(body["detail"][0]) == {"field", "value", "message"}
    # A preview saves nothing, so its refusal does not say "not saved".
    assert body["message"].startswith("The request was refused")
    assert "next_runs" not in body


def test_invalid_says_what_a_create_would(at_now: TestClient) -> None:
    """The same detail as the 422 of a create with that timing."""
    timing = {"cron": "0 25 * * *"}

    preview = at_now.post(PREVIEW, json=timing).json()
    created = at_now.post(BASE, json={"name": "미리보기", "task": CRAWL, **timing})

    assert created.status_code == 422
    assert preview["detail"] == created.json()["detail"]


def test_a_good_timing_is_valid(at_now: TestClient) -> None:
    body = at_now.post(PREVIEW, json={"cron": "0 3 * * *"}).json()

    assert body["valid"] is True
    assert "detail" not in body


def test_invalid_words_follow_language(at_now: TestClient, settings: Settings) -> None:
    settings.language = "ko"

    body = at_now.post(PREVIEW, json={"cron": "0 3 * *"}).json()

    assert body["valid"] is False
    assert body["detail"][0]["field"] == "cron"
    assert not body["message"].startswith("The request was refused")


@pytest.mark.parametrize(
    ("timing", "field"),
    [
        ({"cron": "0 3 * * *", "task": CRAWL}, "task"),
        ({"cron": "0 3 * * *", "kwargs": {}}, "kwargs"),
    ],
)
def test_a_key_outside_the_timing_is_a_422_naming_it(
    at_now: TestClient, timing: dict[str, Any], field: str
) -> None:
    """No timing form sends these: the request itself is wrong."""
    response = at_now.post(PREVIEW, json=timing)

    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert response.json()["message"].startswith("The request was refused")


@pytest.mark.parametrize("body", [[], ["cron"], "0 3 * * *", 5, None])
def test_a_body_that_is_not_an_object_is_a_422(at_now: TestClient, body: Any) -> None:
    response = at_now.post(PREVIEW, json=body)

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "body"


def test_a_body_that_is_not_json_is_named_body(at_now: TestClient) -> None:
    response = at_now.post(PREVIEW, content=b"cron=0 3 * * *")

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body"


def test_the_document_shows_the_timing_fields_and_both_answers(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][PREVIEW]["post"]

    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"cron", "minute", "interval", "anchor", "at", "timezone"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    answers = operation["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]
    assert {a["$ref"].rsplit("/", 1)[-1] for a in answers} == {
        "TimingPreviewPublic",
        "TimingPreviewInvalid",
    }
    assert "422" in operation["responses"]
