"""The page at a desktop's and a phone's size, in English and in Korean: no sideways
scrolling, every control labelled; screenshots of each under .data/test-artifacts/browser
(docs/images/scheduler.png is the Korean desktop one)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DEADLINE_MS, DESKTOP, PHONE, Console, Site, shot
from tests.browser.pages import (
    PRESET_NAMES,
    create,
    dialog_overflow,
    eventually,
    open_page,
    remove,
    row,
    runs,
    schedule_url,
    sideways_overflow,
    unlabelled_controls,
)

LONG_NAME = "도매처_상품_수집_야간_재시도_및_이미지_최적화_작업_매우_긴_이름"
RAN = "트렌드_분석"  # one of the default jobs
SUCCEEDED = re.compile("succeeded|성공")


@pytest.fixture(scope="module")
def listed(site: Site) -> Iterator[None]:
    """A list that looks used: the default jobs, one of them run, and a long name."""
    assert site.api.post("/scheduler/jobs/presets").status_code in (200, 201)
    create(site, LONG_NAME, cron="*/30 * * * *", description="긴 이름도 줄바꿈되어야 합니다")
    assert site.api.post(schedule_url(RAN, "/run")).status_code == 202
    eventually(lambda: [r for r in runs(site, RAN) if r["outcome"] == "succeeded"], "a run")
    yield
    for name in (LONG_NAME, *PRESET_NAMES):
        remove(site, name)


@pytest.fixture(params=["en", "ko"])
def shown(request: pytest.FixtureRequest) -> tuple[str, Site]:
    """The English API, or the Korean one (which has a token: reading needs none)."""
    name = "site" if request.param == "en" else "korean_with_token"
    return request.param, request.getfixturevalue(name)


@pytest.mark.usefixtures("listed")
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_fits_the_window_and_labels_every_control(
    browser: Browser,
    shown: tuple[str, Site],
    console: Console,
    size: dict[str, int],
) -> None:
    language, site = shown
    kind = ("desktop" if size == DESKTOP else "phone") + ("-ko" if language == "ko" else "")
    context = browser.new_context(viewport=size)
    context.set_default_timeout(DEADLINE_MS)
    page = context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    try:
        open_page(page, site)
        expect(row(page, LONG_NAME)).to_be_visible()
        expect(row(page, RAN).locator("[data-col=last]")).to_contain_text(SUCCEEDED)
        assert sideways_overflow(page) <= 0
        assert unlabelled_controls(page) == []
        shot(page, f"scheduler-{kind}")
        shot(page, f"scheduler-{kind}-full", full_page=True)

        page.locator("#add-button").click()
        expect(page.locator("dialog#schedule-dialog")).to_be_visible()
        assert sideways_overflow(page) <= 0
        assert dialog_overflow(page) <= 0
        assert unlabelled_controls(page) == []
        shot(page, f"scheduler-{kind}-dialog")
    finally:
        context.close()
    assert not console.unexpected(), console.unexpected()
