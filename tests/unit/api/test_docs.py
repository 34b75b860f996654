"""/docs and /redoc work with no internet: every asset they load comes from the app."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

# src="...", href="...", spec-url="..." and Swagger UI's `url: '...'`.
REFERENCE = re.compile(r"""(?:src|href|spec-url)="([^"]+)"|\burl: '([^']+)'""")


@pytest.mark.parametrize(("page", "assets"), [("/docs", 4), ("/redoc", 3)])
def test_docs_pages_load_only_local_assets(client: TestClient, page: str, assets: int) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    urls = [a or b for a, b in REFERENCE.findall(html)]
    assert len(urls) == assets, urls  # CSS, favicon, script(s) and the schema
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        fetched = client.get(url)
        assert fetched.status_code == 200, url
        assert fetched.content, url
