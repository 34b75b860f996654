"""A schedule's webhook URL through the API: every read masks it (scheme and host), the
export alone gives it whole, an update that leaves it out keeps it, and a refused
value is masked in the error (app/presentation/describe.py, app/schedules/errors.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.schedules import ScheduleStore
from tests.unit.api.conftest import BASE, CRAWL, one

SECRET = "s3cr3t"
URL = f"https://hooks.slack.com/services/T0/B0/{SECRET}"
SHOWN = "https://hooks.slack.com/…"
JOBS = "/scheduler/jobs"


def create(client: TestClient, name: str = "알림", **body: Any) -> dict[str, Any]:
    body = {"name": name, "task": CRAWL, "cron": "0 3 * * *", **body}
    response = client.post(BASE, json=body)
    assert response.status_code == 201, response.text
    assert SECRET not in response.text
    return response.json()["schedule"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "body",
    [{"policy": {"alert_webhook_url": URL}}, {"alert_webhook_url": URL}],
    ids=["nested", "flat"],
)
def test_every_read_shows_the_scheme_and_host_only(
    client: TestClient, store: ScheduleStore, body: dict[str, Any]
) -> None:
    created = create(client, **body)

    assert created["policy"]["alert_webhook_url"] == SHOWN
    reads = [client.get(one("알림")), client.get(BASE), client.get(JOBS)]
    for read in reads:
        assert read.status_code == 200, read.text
        assert SECRET not in read.text
    assert reads[0].json()["policy"]["alert_webhook_url"] == SHOWN
    assert reads[1].json()["schedule"]["알림"]["policy"]["alert_webhook_url"] == SHOWN
    # What Redis keeps, and what the alerts are sent to, is the whole URL.
    entry = store.get("알림")
    assert entry is not None and entry.spec is not None
    assert entry.spec.policy.alert_webhook_url == URL


def test_the_export_gives_the_whole_url(client: TestClient) -> None:
    create(client, policy={"alert_webhook_url": URL})

    exported = client.get("/api/scheduler/export")

    assert exported.status_code == 200, exported.text
    assert exported.json()["schedules"]["알림"]["policy"]["alert_webhook_url"] == URL


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_an_update_that_leaves_the_url_out_keeps_it(
    client: TestClient, store: ScheduleStore, method: str
) -> None:
    create(client, policy={"alert_webhook_url": URL, "max_retries": 1})

    changed = client.request(
        method, one("알림"), json={"description": "새 설명", "policy": {"max_retries": 2}}
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["schedule"]["policy"]["alert_webhook_url"] == SHOWN
    entry = store.get("알림")
    assert entry is not None and entry.spec is not None
    assert (entry.spec.description, entry.spec.policy.max_retries) == ("새 설명", 2)
    assert entry.spec.policy.alert_webhook_url == URL


@pytest.mark.parametrize(
    "sent_back",
    [{"policy": {"alert_webhook_url": SHOWN, "max_retries": 2}}, {"alert_webhook_url": SHOWN}],
    ids=["nested", "flat"],
)
def test_the_masked_url_sent_back_keeps_the_stored_one(
    client: TestClient, store: ScheduleStore, sent_back: dict[str, Any]
) -> None:
    """A client (the page) saves what it read: the mask must not replace the URL."""
    create(client, policy={"alert_webhook_url": URL})

    changed = client.patch(one("알림"), json=sent_back)

    assert changed.status_code == 200, changed.text
    entry = store.get("알림")
    assert entry is not None and entry.spec is not None
    assert entry.spec.policy.alert_webhook_url == URL


def test_the_masked_form_is_no_url_to_create_with(client: TestClient) -> None:
    body = {"name": "x", "task": CRAWL, "cron": "0 3 * * *", "alert_webhook_url": SHOWN}
    refused = client.post(BASE, json=body)
    assert refused.status_code == 422, refused.text
    assert "alert_webhook_url" in refused.text


# Refused webhook values, each spelling: the detail's value and the message are masked.
BAD = [
    ({"policy": {"alert_webhook_url": f"https://hooks.slack.com/x/{SECRET} 2"}}, SHOWN),
    ({"alert_webhook_url": f"hooks.slack.com/services/{SECRET}"}, "…"),
    ({"policy": {"alert_webhook_url": "https://hooks.slack.com/" + SECRET * 400}}, SHOWN),
    ({"policy": {"alert_webhook_url": [SECRET]}}, "…"),
]


@pytest.mark.parametrize(("body", "shown"), BAD, ids=["space", "no_scheme", "long", "list"])
def test_a_refused_webhook_is_masked_in_the_error(
    client: TestClient, body: dict[str, Any], shown: str
) -> None:
    refused = client.post(BASE, json={"name": "알림", "task": CRAWL, "cron": "0 3 * * *", **body})

    assert refused.status_code == 422, refused.text
    assert SECRET not in refused.text
    [detail] = refused.json()["detail"]
    assert detail["field"] in ("policy.alert_webhook_url", "alert_webhook_url")
    assert detail["value"] == shown
    assert f"(got {shown!r})" in refused.json()["message"]


def test_a_refused_update_masks_the_webhook_too(client: TestClient) -> None:
    create(client)

    refused = client.patch(one("알림"), json={"alert_webhook_url": f"ftp://h/{SECRET}"})

    assert refused.status_code == 422, refused.text
    assert SECRET not in refused.text
    assert refused.json()["detail"][0]["value"] == "ftp://h/…"


def test_a_whole_body_refused_masks_the_webhook_inside_it(client: TestClient) -> None:
    refused = client.post(BASE, json=[{"name": "알림", "alert_webhook_url": URL}])

    assert refused.status_code == 422, refused.text
    assert SECRET not in refused.text
    assert refused.json()["detail"][0]["value"] == [{"name": "알림", "alert_webhook_url": SHOWN}]


def test_seed_000_jobs_mask_a_refused_webhook(client: TestClient) -> None:
    job = {
        "name": "수집",
        "job_type": "COLLECTION",
        "function_name": "collect_wholesale_products",
        "cron_expression": "0 3 * * *",
        "alert_webhook_url": f"hooks.slack.com/{SECRET}",  # refused whether jobs take it or not
    }

    refused = client.post(JOBS, json=job)

    assert refused.status_code == 422, refused.text
    assert SECRET not in refused.text
