"""Global stop and start, the API token, and the page in Korean."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, Request, Response, expect

from tests.browser.conftest import TOKEN, Console, Running, Site
from tests.browser.pages import (
    BASE,
    create,
    eventually,
    open_page,
    read,
    remove,
    row,
    schedule_url,
)

STATUS = "/api/scheduler/status"


def paused(site: Site) -> bool:
    return bool(site.api.get(STATUS, params={"workers": "false"}).json()["paused"])


@pytest.fixture
def resumed_after(site: Site) -> Iterator[None]:
    yield
    site.api.post("/api/scheduler/resume")


@pytest.mark.usefixtures("resumed_after")
def test_global_stop_and_start(page: Page, site: Site) -> None:
    open_page(page, site)
    toggle = page.locator("#global-toggle")
    banner = page.locator("#status-banner")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(banner).not_to_contain_text(re.compile("paused", re.I))

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(banner).to_contain_text(re.compile("paused", re.I))
    eventually(lambda: paused(site), "the status API to say paused")

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(banner).not_to_contain_text(re.compile("paused", re.I))
    eventually(lambda: not paused(site), "the status API to say running")


def test_in_korean_the_page_asks_for_the_token_once_before_the_first_change(
    page: Page, korean_with_token: Site
) -> None:
    """The page knows a token is needed (token_required), so it asks before the first
    change rather than after a 401: no call is refused, no error is logged."""
    site = korean_with_token
    name = "브라우저_토큰"
    create(site, name, interval=3600)
    refused: list[Response] = []
    page.on("response", lambda r: refused.append(r) if r.status == 401 else None)
    changes: list[Request] = []
    page.on("request", lambda r: changes.append(r) if r.method != "GET" else None)
    try:
        open_page(page, site)
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        expect(page.locator("#add-button")).to_have_text("작업 추가")
        expect(page.locator("#presets-button")).to_have_text("기본 작업 생성")

        switch = row(page, name).locator("input[role=switch].enabled-switch")
        switch.click()
        token_dialog = page.locator("dialog#token-dialog")
        expect(token_dialog).to_be_visible()
        expect(token_dialog.locator("input[name=token]")).to_be_focused()
        assert [r.url for r in changes if "/preview" not in r.url] == []
        token_dialog.locator("input[name=token]").fill(TOKEN)
        token_dialog.locator("button[type=submit]").click()
        expect(token_dialog).to_be_hidden()
        eventually(lambda: read(site, name)["enabled"] is False, "the pause to go through")  # type: ignore[index]

        switch.click()
        eventually(lambda: read(site, name)["enabled"] is True, "the resume to go through")  # type: ignore[index]
        expect(token_dialog).to_be_hidden()
        assert refused == [], [r.url for r in refused]
    finally:
        remove(site, name)


WRITE_TOKEN = "browser-ops-token"
READ_TOKEN = "browser-read-token"


@pytest.fixture(scope="module")
def protected_reads(running: Running) -> Site:
    """An API with API_PROTECT_READS, a named write token and a read-only one (its
    client sends the write token)."""
    site = running.site(
        API_TOKENS=f"ops:{WRITE_TOKEN}",
        API_READ_TOKENS=f"grafana:{READ_TOKEN}",
        API_PROTECT_READS="true",
    )
    site.api.headers["Authorization"] = f"Bearer {WRITE_TOKEN}"
    return site


def test_with_protected_reads_the_page_asks_before_its_first_read_and_sends_the_token(
    page: Page, console: Console, protected_reads: Site
) -> None:
    """The page asks before reading (no 401 in the console), reads with a read-only
    token, and asks again when a change meets that token's 403; the change then goes
    through with the write token and the audit trail names it."""
    site = protected_reads
    name = "browser_protected_reads"
    create(site, name, interval=3600)
    assert httpx.get(site.base_url + BASE, timeout=10).status_code == 401
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 401 else None)
    console.allow(403, "/pause")
    try:
        page.goto(site.page_url)
        token_dialog = page.locator("dialog#token-dialog")
        expect(token_dialog).to_be_visible()
        expect(row(page, name)).to_have_count(0)
        token_dialog.locator("input[name=token]").fill(READ_TOKEN)
        token_dialog.locator("button[type=submit]").click()
        expect(token_dialog).to_be_hidden()
        expect(row(page, name)).to_be_visible()
        expect(page.locator("#status-banner")).not_to_have_attribute("data-state", "loading")

        row(page, name).locator("input[role=switch].enabled-switch").click()
        expect(token_dialog).to_be_visible()
        expect(page.locator("#token-error")).to_contain_text("may only read")
        token_dialog.locator("input[name=token]").fill(WRITE_TOKEN)
        token_dialog.locator("button[type=submit]").click()
        expect(token_dialog).to_be_hidden()
        eventually(lambda: read(site, name)["enabled"] is False, "the pause to go through")  # type: ignore[index]

        events = site.api.get(schedule_url(name, "/audit")).json()["events"]
        assert (events[0]["action"], events[0]["actor"]) == ("paused", "token:ops")
        assert refused == []
    finally:
        remove(site, name)
