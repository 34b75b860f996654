"""Times in the schedule routes' answers: each with its offset and how far away it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.unit.api.conftest import BASE, CRAWL, one

SEOUL = ZoneInfo("Asia/Seoul")


def test_a_one_off_at_without_offset_is_read_in_the_schedule_timezone_and_says_so(
    client: TestClient,
) -> None:
    # As on a UTC host: "two minutes from now", written in UTC wall time with no offset.
    host_now = datetime.now(UTC)
    written = (host_now + timedelta(minutes=2)).replace(tzinfo=None, microsecond=0)
    if written.replace(tzinfo=SEOUL) <= host_now:
        written += timedelta(days=1)  # Seoul is ahead: such a time may have passed there

    response = client.post(BASE, json={"name": "곧", "task": CRAWL, "at": written.isoformat()})

    assert response.status_code == 201, response.text
    body = response.json()
    entry = body["schedule"]
    due = written.replace(tzinfo=SEOUL)
    assert entry["at"] == written.isoformat()  # echoed as written
    assert entry["timing"]["at"] == due.isoformat()  # with the offset it was read with
    assert entry["next_run_at"] == due.isoformat()
    expected = (due - datetime.now(UTC)).total_seconds()
    assert abs(entry["next_run_in_seconds"] - expected) < 60
    assert entry["next_run_in"].startswith("in ")
    assert body["next_run"].startswith(f"Next run: {due:%Y-%m-%d %H:%M:%S} (Asia/Seoul, UTC+09:00)")
    assert "`at` was written without a UTC offset, so it was read in Asia/Seoul" in body["next_run"]


def test_listing_and_detail_say_how_far_the_next_run_is(client: TestClient) -> None:
    at = (datetime.now(SEOUL) + timedelta(hours=3)).replace(microsecond=0)
    client.post(BASE, json={"name": "셋", "task": CRAWL, "at": at.isoformat()})

    listed = client.get(BASE).json()["schedule"]["셋"]
    detail = client.get(one("셋")).json()

    for entry in (listed, detail):
        assert 3 * 3600 - 120 < entry["next_run_in_seconds"] <= 3 * 3600
        assert entry["next_run_in"] in ("in 2 h 59 min", "in 2 h 58 min", "in 3 h")


def test_a_paused_schedule_has_no_next_run_in(client: TestClient) -> None:
    client.post(BASE, json={"name": "멈춤", "task": CRAWL, "cron": "0 3 * * *", "enabled": False})

    entry = client.get(one("멈춤")).json()

    assert entry["next_run_at"] is None
    assert (entry["next_run_in_seconds"], entry["next_run_in"]) == (None, None)
