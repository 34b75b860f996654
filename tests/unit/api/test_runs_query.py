"""`GET /api/scheduler/runs`: runs across schedules, filtered by outcome, schedule and
time, paged by cursor; Beat's own records (skipped, missed) among them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.schedules import SKIPPED, ScheduleStore
from tests.unit.api.conftest import BASE
from tests.unit.api.history import beat_fire, create, lose, queue, run, wait_for_next_ms

RUNS = "/api/scheduler/runs"


def found(client: TestClient, **params: Any) -> list[tuple[str, str]]:
    response = client.get(RUNS, params=params)
    assert response.status_code == 200, response.text
    return [(r["schedule"], r["outcome"]) for r in response.json()["runs"]]


def test_runs_across_schedules_newest_first(client: TestClient, store: ScheduleStore) -> None:
    create(client, "a", "b")
    run(store, "a")
    run(store, "b", "failed")
    lose(store, "a")
    queue(store, "b")  # in progress: not a history record

    body = client.get(RUNS).json()

    assert [(r["schedule"], r["outcome"]) for r in body["runs"]] == [
        ("a", "lost"),
        ("b", "failed"),
        ("a", "succeeded"),
    ]
    assert (body["next_cursor"], body["scanned"]) == (None, 3)


def test_outcome_filter_takes_a_comma_list(client: TestClient, store: ScheduleStore) -> None:
    create(client, "a", "b")
    for name, outcome in [("a", "failed"), ("b", "succeeded"), ("b", "timed_out"), ("a", "ok")]:
        run(store, name, "succeeded" if outcome == "ok" else outcome)

    assert found(client, outcome="failed") == [("a", "failed")]
    assert found(client, outcome="failed, timed_out") == [("b", "timed_out"), ("a", "failed")]
    assert found(client, outcome="lost") == []
    assert found(client, outcome="succeeded", schedule="b") == [("b", "succeeded")]
    assert found(client, schedule="a") == [("a", "succeeded"), ("a", "failed")]
    assert found(client, schedule="nobody") == []


def test_beat_s_skipped_and_missed_fires_are_runs_too(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a")
    slot = time.time() - 30
    beat_fire(store, "a", slot, "skip")  # sent, in progress
    assert beat_fire(store, "a", slot + 1, "skip") == SKIPPED  # overlap
    beat_fire(store, "a", slot + 2, "missed")

    body = client.get(RUNS, params={"outcome": "skipped,missed"}).json()

    [missed, skipped] = body["runs"]
    assert (missed["outcome"], missed["missed_count"], missed["trigger"]) == ("missed", 3, "beat")
    assert (skipped["outcome"], skipped["reason"], skipped["task_id"]) == (
        "skipped",
        "overlap",
        None,
    )
    schedule_page = client.get(f"{BASE}/a/runs").json()["runs"]
    assert [r["outcome"] for r in schedule_page] == ["sent", "missed", "skipped"]


def test_filtered_pages_continue_from_their_cursor(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a")
    failures = []
    for i in range(7):
        task_id = run(store, "a", "failed" if i % 2 else "succeeded")
        if i % 2:
            failures.append(task_id)

    pages = []
    cursor = None
    while True:
        params: dict[str, Any] = {"outcome": "failed", "limit": 2}
        body = client.get(RUNS, params=params | ({"cursor": cursor} if cursor else {})).json()
        pages.append([r["task_id"] for r in body["runs"]])
        if (cursor := body["next_cursor"]) is None:
            break
        assert len(pages) < 5

    newest = list(reversed(failures))
    assert pages == [newest[:2], newest[2:]]


@pytest.mark.parametrize(
    ("params", "field", "value"),
    [
        ({"outcome": "broken"}, "outcome", "broken"),
        ({"outcome": "failed,nope"}, "outcome", "nope"),
        ({"outcome": ""}, "outcome", ""),
        ({"outcome": "running"}, "outcome", "running"),
        ({"outcome": "sent"}, "outcome", "sent"),
        ({"since": "yesterday"}, "since", "yesterday"),
        ({"until": "2026-13-01T00:00:00"}, "until", "2026-13-01T00:00:00"),
        ({"since": "1e300"}, "since", "1e300"),
        ({"schedule": ""}, "schedule", ""),
        (
            {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            "until",
            "2026-01-01T00:00:00+00:00",
        ),
    ],
)
def test_bad_filters_are_422_naming_the_field_and_value(
    client: TestClient, params: dict[str, Any], field: str, value: str
) -> None:
    response = client.get(RUNS, params=params)
    assert response.status_code == 422, response.text
    [detail] = response.json()["detail"]
    assert (detail["field"], detail["value"]) == (field, value)


def test_since_and_until_filter_on_when_a_record_was_written(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a", "b")
    first = run(store, "a")
    [old] = client.get(RUNS).json()["runs"]
    wait_for_next_ms(old["id"])
    second = run(store, "b")
    [new, _] = client.get(RUNS).json()["runs"]
    cut = new["recorded_at"]

    def ids(**params: Any) -> list[str]:
        return [r["task_id"] for r in client.get(RUNS, params=params).json()["runs"]]

    assert ids(since=cut) == [second], "since is inclusive"
    assert ids(until=cut) == [first], "until is exclusive"
    assert ids(since=old["recorded_at"], until=cut) == [first]
    assert ids(since=cut, schedule="a") == []
    assert ids(until=cut, schedule="b") == []
    assert ids(since="1900-01-01T00:00:00Z") == [second, first]
    assert ids(until="1970-01-01T00:00:00Z") == []
    later = datetime.now(UTC) + timedelta(hours=1)
    assert ids(since=later.isoformat()) == []


def test_a_time_without_an_offset_is_in_the_scheduler_s_timezone(
    client: TestClient, store: ScheduleStore
) -> None:
    create(client, "a")
    run(store, "a")
    [rec] = client.get(RUNS).json()["runs"]
    written = datetime.fromisoformat(rec["recorded_at"])
    seoul = (written + timedelta(hours=9)).replace(tzinfo=None)  # Asia/Seoul is UTC+9

    def count(**params: Any) -> int:
        return len(client.get(RUNS, params=params).json()["runs"])

    assert count(until=(seoul + timedelta(seconds=1)).isoformat()) == 1
    assert count(until=(seoul - timedelta(seconds=1)).isoformat()) == 0
