"""Global pause and resume through the API, and what status says about them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings

PAUSE = "/api/scheduler/pause"
RESUME = "/api/scheduler/resume"
STATUS = "/api/scheduler/status"


def test_not_paused_by_default(client: TestClient) -> None:
    assert client.get(PAUSE).json() == {"paused": False, "since": None, "reason": None, "by": None}
    body = client.get(
        STATUS,
    ).json()
    assert (body["paused"], body["pause"]["paused"]) == (False, False)


def test_pause_with_a_reason_shows_in_status_until_resumed(client: TestClient) -> None:
    answer = client.post(PAUSE, json={"reason": "공급사 점검"})
    assert answer.status_code == 200
    assert answer.json()["pause"]["paused"] is True
    assert answer.json()["pause"]["reason"] == "공급사 점검"
    assert answer.json()["pause"]["since"]
    status = client.get(
        STATUS,
    ).json()
    assert status["paused"] is True
    assert status["pause"]["reason"] == "공급사 점검"

    assert client.post(RESUME).json()["pause"]["paused"] is False
    assert (
        client.get(
            STATUS,
        ).json()["paused"]
        is False
    )


def test_pause_needs_no_body(client: TestClient) -> None:
    assert client.post(PAUSE).status_code == 200
    assert client.get(PAUSE).json()["paused"] is True


def test_a_reason_too_long_is_refused_naming_the_field(client: TestClient) -> None:
    answer = client.post(PAUSE, json={"reason": "x" * 501})
    assert answer.status_code == 422
    assert "reason" in answer.text
    assert client.get(PAUSE).json()["paused"] is False


def test_pause_and_resume_need_the_token_when_one_is_set(
    client: TestClient, settings: Settings
) -> None:
    settings.api_token = "secret"
    assert client.post(PAUSE).status_code == 401
    assert client.post(RESUME).status_code == 401
    assert client.get(PAUSE).status_code == 200
    headers = {"Authorization": "Bearer secret"}
    assert client.post(PAUSE, headers=headers).status_code == 200


def test_messages_in_korean(client: TestClient, settings: Settings) -> None:
    settings.language = "ko"
    assert "중지" in client.post(PAUSE).json()["message"]
    assert "시작" in client.post(RESUME).json()["message"]


def test_pause_records_who_paused(client: TestClient) -> None:
    answer = client.post(PAUSE, json={"reason": "점검"})
    assert answer.json()["pause"]["by"] == "client:testclient"
    assert client.get(
        STATUS,
    ).json()["pause"]["by"] == ("client:testclient")


# With no token the API answers browsers only at a loopback address (deps.refuse_foreign_host).
LOOPBACK = "127.0.0.1:8000"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://evil.example"},
    ],
)
def test_a_browser_cannot_change_things_for_another_site(
    client: TestClient, headers: dict[str, str]
) -> None:
    """No token set, yet a page elsewhere must not stop the scheduler through the
    operator's browser (a form POST to 127.0.0.1 needs no preflight)."""
    refused = client.post(PAUSE, headers={**headers, "Host": LOOPBACK})
    assert refused.status_code == 403
    assert refused.json()["error"] == "cross_site"
    assert client.get(PAUSE).json()["paused"] is False


@pytest.mark.parametrize(
    "headers",
    [{}, {"Sec-Fetch-Site": "same-origin"}, {"Origin": f"http://{LOOPBACK}"}],
    ids=["curl", "same-origin", "own-origin"],
)
def test_the_own_page_and_scripts_may(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post(PAUSE, headers={**headers, "Host": LOOPBACK}).status_code == 200
