"""The page's server side (app/web/routes.py): the shell with its words and settings,
the redirect from /, and the assets, in-process."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import fakeredis
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.api.deps import get_redis, get_settings
from app.api.main import app
from app.core.config import Settings
from app.presentation import page_words
from app.web import STATIC_DIR, render_page

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = (
    '<html lang="en"><script type="application/json" id="page-text"><!--PAGE_TEXT--></script>'
    '<script type="application/json" id="page-config"><!--PAGE_CONFIG--></script></html>'
)


@pytest.fixture
def settings() -> Settings:
    return Settings(redis_url="redis://unused:6379/0", timezone="Asia/Seoul")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app.dependency_overrides[get_redis] = lambda: fakeredis.FakeRedis(decode_responses=True)
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


def embedded(html: str, element_id: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html)
    assert found, f"no #{element_id} in the page"
    parsed: dict[str, object] = json.loads(found.group(1))
    return parsed


def test_the_root_leads_to_the_page(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)

    assert response.status_code == 307
    assert response.headers["location"] == "/scheduler"


def test_the_page_carries_its_words_and_settings(client: TestClient) -> None:
    response = client.get("/scheduler")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert embedded(response.text, "page-text") == page_words("en")
    config = embedded(response.text, "page-config")
    assert config["language"] == "en"
    assert config["token_required"] is False
    assert config["static_base"] == "/scheduler/static"


def test_language_ko_switches_the_pages_words(client: TestClient, settings: Settings) -> None:
    settings.language = "ko"

    html = client.get("/scheduler").text

    assert '<html lang="ko"' in html
    words = embedded(html, "page-text")
    assert words["page_add"] == "작업 추가"
    assert words["page_presets"] == "기본 작업 생성"


def test_the_page_says_a_token_is_needed_and_never_shows_it(
    client: TestClient, settings: Settings
) -> None:
    settings.api_token = "s3cret-token"

    html = client.get("/scheduler").text

    assert embedded(html, "page-config")["token_required"] is True
    assert "s3cret-token" not in html


def test_the_page_knows_reads_need_the_token_with_named_tokens_alone(
    client: TestClient, settings: Settings
) -> None:
    settings.api_read_tokens = SecretStr("grafana:s3cret-read")
    settings.api_protect_reads = True

    html = client.get("/scheduler").text

    config = embedded(html, "page-config")
    assert config["token_required"] is True and config["reads_protected"] is True
    assert "s3cret-read" not in html


def test_words_cannot_close_the_script_element(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = {"page_x": "</script><script>alert(1)</script><!--"}
    monkeypatch.setattr("app.web.routes.page_words", lambda language: hostile)

    html = render_page(settings, TEMPLATE)

    assert html.count("</script>") == 2
    assert "<!--" not in html
    assert embedded(html, "page-text") == hostile


def test_every_page_word_is_a_page_key() -> None:
    assert page_words("ko")
    assert all(key.startswith("page_") for key in page_words("ko"))


def test_assets_are_served_and_revalidated(client: TestClient) -> None:
    response = client.get("/scheduler/static/index.html")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert client.get("/scheduler/static/../routes.py").status_code == 404


def test_seed_000s_routes_under_scheduler_are_untouched(client: TestClient) -> None:
    assert client.get("/scheduler/status").headers["content-type"] == "application/json"
    assert client.get("/scheduler/jobs").status_code == 200


def test_the_page_is_not_part_of_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert "/" not in paths
    assert "/scheduler" not in paths
    assert not [p for p in paths if p.startswith("/scheduler/static")]


def test_every_asset_ships_as_package_data() -> None:
    """A wheel (and so an image built from one) carries what the page loads."""
    config = tomllib.loads((ROOT / "backend" / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["app"]
    package = ROOT / "backend" / "app"
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    assets = {p for p in STATIC_DIR.rglob("*") if p.is_file()}

    assert (STATIC_DIR / "index.html") in assets
    assert assets <= shipped


def test_the_page_loads_nothing_from_elsewhere_and_cannot_be_framed(client: TestClient) -> None:
    headers = client.get("/scheduler").headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
