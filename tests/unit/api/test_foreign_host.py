"""DNS rebinding (app/api/deps.py refuse_foreign_host) and what /health tells an
anonymous caller when reads are protected (app/api/routes/health.py)."""

from __future__ import annotations

from collections.abc import Iterator

import fakeredis
import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.api.deps import get_redis
from app.api.main import app
from app.core.config import Settings
from tests.unit.api.conftest import BASE, SEED_004_BODY

# What a page at evil.example sends once its name resolves to 127.0.0.1: same-origin.
REBOUND = {
    "Host": "evil.example:8000",
    "Origin": "http://evil.example:8000",
    "Sec-Fetch-Site": "same-origin",
}


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", BASE), ("GET", BASE), ("GET", "/api/scheduler/status"), ("GET", "/health")],
)
def test_a_rebound_page_is_refused_on_every_route_without_a_token(
    client: TestClient, fake_redis: fakeredis.FakeRedis, method: str, path: str
) -> None:
    resp = client.request(method, path, json=SEED_004_BODY, headers=REBOUND)
    assert resp.status_code == 403, resp.text
    body = resp.json()
    assert body["error"] == "foreign_host"
    assert "loopback" in body["message"] and "evil.example" in body["message"]
    assert not fake_redis.keys("*")


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST", "ops.example.com"]
)
def test_the_page_at_a_loopback_name_or_a_listed_origin_is_answered(
    client: TestClient, settings: Settings, host: str
) -> None:
    settings.cors_origins = "https://ops.example.com"
    origin = {"Host": host, "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
    assert client.post(BASE, json=SEED_004_BODY, headers=origin).status_code == 201
    assert client.get(BASE, headers=origin).status_code == 200


def test_curl_and_scripts_are_answered_under_any_name(client: TestClient) -> None:
    # No Origin, no Sec-Fetch-Site: not a browser, so no page can be behind it.
    assert client.get(BASE, headers={"Host": "evil.example:8000"}).status_code == 200


def test_with_a_token_the_token_is_the_protection(client: TestClient, settings: Settings) -> None:
    settings.api_token = "write-token-0123"
    assert client.get(BASE, headers=REBOUND).status_code == 200
    assert client.post(BASE, json=SEED_004_BODY, headers=REBOUND).status_code == 401
    with_token = {**REBOUND, "Authorization": "Bearer write-token-0123"}
    assert client.post(BASE, json=SEED_004_BODY, headers=with_token).status_code == 201


# --- /health with Redis down ------------------------------------------------------------

URL = "redis://scheduler-api:S3cr3t%40pw@redis.internal.corp:6380/2"
TOKEN = "read-token-4567"


class Down:
    def ping(self) -> bool:
        raise redis.ConnectionError("Error 111 connecting to redis.internal.corp:6380. Refused.")


@pytest.fixture
def redis_down(settings: Settings) -> Iterator[TestClient]:
    settings.redis_url = URL
    settings.api_read_tokens = SecretStr(f"grafana:{TOKEN}")
    app.dependency_overrides[get_redis] = lambda: Down()
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("protected", [True, False])
def test_health_names_redis_only_to_callers_who_may_read(
    client: TestClient,
    redis_down: TestClient,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    protected: bool,
) -> None:
    settings.api_protect_reads = protected
    anonymous = redis_down.get("/health")
    assert anonymous.status_code == 503
    assert anonymous.json()["error"] == "redis_unavailable"
    leaked = [s for s in ("scheduler-api", "redis.internal", "6380", "/2") if s in anonymous.text]
    assert bool(leaked) is not protected, anonymous.text
    assert "redis.internal.corp:6380" in caplog.text  # the details are logged either way
    with_token = redis_down.get("/health", headers={"Authorization": f"Bearer {TOKEN}"})
    assert with_token.status_code == 503
    assert "scheduler-api:***@redis.internal.corp:6380/2" in with_token.json()["message"]
    assert "S3cr3t" not in with_token.text + anonymous.text
