"""A job added through seed 002's facade (app.facade) shows on the page like any other."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import Page, expect

from app.core.config import Settings
from app.facade import ScheduleJob, SchedulerService, ScheduleType
from tests.browser.conftest import Running, Site
from tests.browser.pages import REPORT, open_page, row


def test_a_seed_002_job_shows_like_any_other(
    page: Page, site: Site, running: Running, cleanup: list[str]
) -> None:
    name = "브라우저_seed002"
    cleanup.append(name)
    SchedulerService.init(Settings(redis_url=running.env["REDIS_URL"], timezone="Asia/Seoul"))
    try:
        job = ScheduleJob(name, "일일 리포트 생성", ScheduleType.DAILY, "14:30", REPORT)
        # Playwright runs an event loop in this thread; the facade's coroutine gets its own.
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(asyncio.run, SchedulerService.add_job(job)).result() is True
    finally:
        SchedulerService.shutdown()

    open_page(page, site)

    line = row(page, name)
    expect(line).to_contain_text("일일 리포트 생성")  # seed 002's name, as the description
    expect(line).to_contain_text("At 14:30")
    expect(line.locator("button[data-action=run]")).to_be_visible()
