"""Who may call the API (app/api/deps.py, app/api/cors.py, app/core/access.py): write
and read-only tokens, protected reads, the audit actor, the cross-site refusal and CORS."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.core.config import Settings, get_settings
from tests.unit.api.conftest import BASE, SEED_004_BODY, one

NAME = SEED_004_BODY["name"]
DEFAULT = "default-token-0123"
OPS = "ops-token-4567"
CI = "ci-token-89ab"
VIEW = "view-token-cdef"
ORIGIN = "https://ops.example.com"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(settings: Settings) -> Settings:
    """API_TOKEN, two named write tokens and one read-only token."""
    settings.api_token = DEFAULT
    settings.api_tokens = SecretStr(f"ops:{OPS},ci:{CI}")
    settings.api_read_tokens = SecretStr(f"grafana:{VIEW}")
    return settings


def actors(client: TestClient) -> list[str]:
    events = client.get(one(NAME) + "/audit", headers=bearer(VIEW)).json()["events"]
    return [e["actor"] for e in reversed(events)]


def test_each_write_token_may_change_and_is_named_in_the_audit_trail(
    client: TestClient, tokens: Settings
) -> None:
    assert client.post(BASE, json=SEED_004_BODY, headers=bearer(OPS)).status_code == 201
    assert client.put(one(NAME), json={"hour": 15}, headers={"X-API-Token": CI}).status_code == 200
    # API_TOKEN's one shared token says nothing about who holds it: the address does.
    assert client.put(one(NAME), json={"hour": 16}, headers=bearer(DEFAULT)).status_code == 200

    assert actors(client) == ["token:ops", "token:ci", "client:testclient"]


def test_without_tokens_the_actor_is_the_address(client: TestClient) -> None:
    assert client.post(BASE, json=SEED_004_BODY).status_code == 201
    assert actors(client) == ["client:testclient"]


@pytest.mark.parametrize("headers", [{}, bearer("wrong"), {"X-API-Token": "wrong"}, bearer("")])
def test_a_missing_or_wrong_token_gets_the_same_401(
    client: TestClient, tokens: Settings, headers: dict[str, str]
) -> None:
    response = client.post(BASE, json=SEED_004_BODY, headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "error": "unauthorized",
        "message": "This call changes schedules and needs an API token that may write "
        "(Authorization: Bearer <token>).",
        "detail": [],
    }
    assert client.get(BASE, headers=bearer(OPS)).json()["total"] == 0


def test_with_protected_reads_a_change_still_asks_for_a_write_token(
    client: TestClient, tokens: Settings
) -> None:
    tokens.api_protect_reads = True

    refused = client.post(BASE, json=SEED_004_BODY)
    assert refused.status_code == 401
    assert "needs an API token that may write" in refused.json()["message"]
    assert client.post(BASE, json=SEED_004_BODY, headers=bearer(VIEW)).status_code == 403


def test_a_read_only_token_reads_but_may_not_change(client: TestClient, tokens: Settings) -> None:
    assert client.post(BASE, json=SEED_004_BODY, headers=bearer(OPS)).status_code == 201

    assert client.get(one(NAME), headers=bearer(VIEW)).status_code == 200
    for method, path in [("PUT", one(NAME)), ("POST", one(NAME) + "/pause"), ("DELETE", one(NAME))]:
        response = client.request(method, path, json={"hour": 3}, headers=bearer(VIEW))
        assert response.status_code == 403, (method, path)
        body = response.json()
        assert body["error"] == "read_only_token"
        assert "needs a token that may write" in body["message"]
        # Nothing about which tokens exist, nor the one sent.
        assert not re.search("grafana|ops|ci:|default|view-token", response.text)
    assert client.get(one(NAME)).json()["hour"] == "14"


def test_with_only_read_tokens_no_call_may_change(client: TestClient, settings: Settings) -> None:
    settings.api_read_tokens = SecretStr(f"grafana:{VIEW}")

    assert client.post(BASE, json=SEED_004_BODY).status_code == 401
    assert client.post(BASE, json=SEED_004_BODY, headers=bearer(VIEW)).status_code == 403
    assert client.get(BASE).status_code == 200  # reads stay open without API_PROTECT_READS


def test_every_token_is_compared_in_constant_time_with_no_early_exit(
    client: TestClient, tokens: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    # The first token matches: all four are still compared, each as a digest of one length.
    response = client.post(BASE, json=SEED_004_BODY, headers=bearer(DEFAULT))

    assert response.status_code == 201
    assert len(calls) == 4
    assert {len(a) for a, _ in calls} == {len(b) for _, b in calls} == {32}


def _read_calls(client: TestClient) -> list[tuple[str, str]]:
    """Every operation of the document that reads, but /health, with its path filled in."""
    spec = client.get("/openapi.json").json()
    calls = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            reads = method == "get" or operation["operationId"] == "timing-preview"
            if reads and path != "/health":
                calls.append((method.upper(), re.sub(r"\{[^}]+\}", "x", path)))
    return calls


def test_protected_reads_need_a_token_of_either_kind(client: TestClient, tokens: Settings) -> None:
    tokens.api_protect_reads = True
    calls = _read_calls(client)
    assert ("GET", "/metrics") in calls and ("GET", "/scheduler/jobs") in calls
    assert ("POST", "/api/scheduler/preview") in calls and len(calls) >= 15

    for method, path in calls:
        body = {"cron": "0 3 * * *"} if method == "POST" else None
        for headers in ({}, bearer("wrong")):
            refused = client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 401, (method, path)
            assert refused.headers["WWW-Authenticate"] == "Bearer"
            assert refused.json()["error"] == "unauthorized"
            assert "API_PROTECT_READS" in refused.json()["message"]
        for token in (VIEW, OPS):
            allowed = client.request(method, path, json=body, headers=bearer(token))
            assert allowed.status_code != 401, (method, path, allowed.text)
    metrics = client.get("/metrics", headers=bearer(VIEW))
    assert metrics.status_code == 200 and "batchsched_" in metrics.text


@pytest.mark.parametrize(
    "path", ["/health", "/scheduler", "/scheduler/static/app.js", "/openapi.json", "/docs", "/"]
)
def test_protected_reads_leave_health_docs_and_the_page_shell_open(
    client: TestClient, tokens: Settings, path: str
) -> None:
    tokens.api_protect_reads = True
    response = client.get(path, follow_redirects=False)
    assert response.status_code in (200, 307), response.text
    for secret in (DEFAULT, OPS, CI, VIEW):
        assert secret not in response.text


def test_without_protected_reads_reads_need_no_token(client: TestClient, tokens: Settings) -> None:
    for method, path in _read_calls(client):
        if method == "GET":
            assert client.get(path).status_code != 401, path


# --- Browsers: the cross-site refusal and CORS.


def preflight(client: TestClient, origin: str, method: str = "POST") -> Any:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type,if-match",
    }
    return client.options(BASE, headers=headers)


def test_cors_is_closed_without_origins(client: TestClient) -> None:
    response = preflight(client, ORIGIN)

    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in client.get(BASE, headers={"Origin": ORIGIN}).headers


def test_a_configured_origin_passes_preflight_and_reads_the_answer(
    client: TestClient, settings: Settings
) -> None:
    settings.cors_origins = f"{ORIGIN}, http://localhost:3000"

    allowed = preflight(client, ORIGIN, "PUT")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "PUT" in allowed.headers["access-control-allow-methods"]
    allowed_headers = allowed.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "x-api-token", "if-match", "content-type"):
        assert header in allowed_headers
    assert "access-control-allow-credentials" not in allowed.headers

    refused = preflight(client, "https://evil.example")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers

    read = client.get(BASE, headers={"Origin": ORIGIN})
    assert read.headers["access-control-allow-origin"] == ORIGIN
    assert "etag" in read.headers["access-control-expose-headers"].lower()


def test_the_cross_site_refusal_lets_configured_origins_through(
    client: TestClient, settings: Settings
) -> None:
    settings.cors_origins = ORIGIN
    # The API at a loopback address, as it is with no token (else: foreign_host).
    cross = {"Sec-Fetch-Site": "cross-site", "Host": "127.0.0.1:8000"}

    other = client.post(
        BASE, json=SEED_004_BODY, headers={**cross, "Origin": "https://evil.example"}
    )
    assert other.status_code == 403 and other.json()["error"] == "cross_site"
    listed = client.post(BASE, json=SEED_004_BODY, headers={**cross, "Origin": ORIGIN})
    assert listed.status_code == 201, listed.text
    assert listed.headers["access-control-allow-origin"] == ORIGIN


# --- `batchsched-api` (./run_api.sh): the checks before uvicorn starts.


@pytest.fixture
def start(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., tuple[int, str, bool]]]:
    """Runs app.api.__main__.main() with these environment variables; answers its exit
    status, what it printed and whether it went on to start uvicorn."""
    import uvicorn

    from app.api.__main__ import main

    def run(capsys: pytest.CaptureFixture[str], **env: str) -> tuple[int, str, bool]:
        served: list[object] = []
        monkeypatch.setattr(uvicorn, "run", lambda *a, **k: served.append(a))
        for name in ("API_TOKEN", "API_TOKENS", "API_READ_TOKENS", "API_PROTECT_READS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        status = main()
        return status, capsys.readouterr().err, bool(served)

    yield run
    get_settings.cache_clear()


def test_a_malformed_token_setting_stops_the_api_in_one_line(
    start: Callable[..., tuple[int, str, bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    status, said, served = start(capsys, API_TOKENS=f"ops:{OPS},ops:{CI}")

    assert (status, served) == (2, False)
    assert said == "API: a setting is invalid: API_TOKENS: the name 'ops' is used twice\n"


@pytest.mark.parametrize(
    ("env", "listens"),
    [
        ({}, False),
        ({"API_TOKEN": DEFAULT}, True),
        ({"API_TOKENS": f"ops:{OPS}"}, True),
        # No call may change anything: any address is as safe as loopback.
        ({"API_READ_TOKENS": f"grafana:{VIEW}"}, True),
    ],
)
def test_a_public_address_needs_a_token_of_any_kind(
    start: Callable[..., tuple[int, str, bool]],
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    listens: bool,
) -> None:
    status, said, served = start(capsys, API_HOST="0.0.0.0", **env)

    assert served is listens
    assert status == (0 if listens else 2)
    assert ("refusing to listen on 0.0.0.0" in said) is not listens
