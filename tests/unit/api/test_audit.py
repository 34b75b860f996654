"""GET /api/scheduler/schedule/{name}/audit (app/api/routes/audit.py) and the actor the
schedule routes pass (api/deps.py ActorDep)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient

from tests.unit.api.conftest import BASE, SEED_004_BODY, one

NAME = SEED_004_BODY["name"]
# Starlette's TestClient calls from this address.
ACTOR = "client:testclient"


def audit(client: TestClient, name: str = NAME, **params: Any) -> dict[str, Any]:
    response = client.get(one(quote(name, safe="")) + "/audit", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_seed_004_sequence_is_in_the_trail_newest_first(client: TestClient) -> None:
    assert client.post(BASE, json=SEED_004_BODY).status_code == 201
    assert client.put(one(NAME), json={"hour": 15}).status_code == 200
    assert client.post(one(NAME) + "/pause").status_code == 200
    assert client.post(one(NAME) + "/resume").status_code == 200
    assert client.delete(one(NAME)).status_code == 200

    events = audit(client)["events"]
    assert isinstance(events, list)
    assert [e["action"] for e in events] == ["deleted", "resumed", "paused", "changed", "created"]
    assert {(e["actor"], e["source"], e["schedule"]) for e in events} == {(ACTOR, "api", NAME)}
    changed = events[3]
    assert changed["changes"] == [{"field": "hour", "old": "14", "new": "15"}]
    assert changed["summary"] == f"schedule {NAME} changed: hour 14→15 (api) by {ACTOR}"
    assert changed["at"].endswith("Z") and changed["etag"]
    assert events[0]["etag"] is None


def test_pages_follow_next_cursor(client: TestClient) -> None:
    assert client.post(BASE, json=SEED_004_BODY).status_code == 201
    for hour in (15, 16, 17):
        assert client.put(one(NAME), json={"hour": hour}).status_code == 200
    first = audit(client, limit=3)
    assert [e["changes"][0]["new"] for e in first["events"]] == ["17", "16", "15"]
    rest = audit(client, limit=3, cursor=first["next_cursor"])
    assert [e["action"] for e in rest["events"]] == ["created"]
    assert rest["next_cursor"] is None


def test_an_unknown_name_is_404_and_a_bad_cursor_422(client: TestClient) -> None:
    assert client.get(one("없음") + "/audit").status_code == 404
    assert client.post(BASE, json=SEED_004_BODY).status_code == 201
    assert client.get(one(NAME) + "/audit", params={"cursor": "nope"}).status_code == 422
    assert client.get(one(NAME) + "/audit", params={"limit": 0}).status_code == 422
