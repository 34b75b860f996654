"""The status banner says when schedules.json has an error (with the error) and when no
Beat is running, and goes back to "all fine" when that is mended."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Running, Site
from tests.browser.pages import open_page
from tests.integration.conftest import write_schedules

FINE = re.compile("Beat is running")


@pytest.fixture
def schedules_file(running: Running) -> Iterator[Path]:
    path = Path(running.env["SCHEDULES_FILE"])
    yield path
    write_schedules(path, {})


def test_a_schedules_json_error_is_shown_with_the_error(
    page: Page, site: Site, schedules_file: Path
) -> None:
    open_page(page, site)
    banner = page.locator("#status-banner")
    expect(banner).to_contain_text(FINE)

    schedules_file.write_text('{"schedules": {"깨진": {"task": ', encoding="utf-8")
    expect(banner).to_contain_text("schedules.json")
    expect(banner).to_contain_text(re.compile("JSON|line 1", re.I))

    write_schedules(schedules_file, {})
    expect(banner).to_contain_text(FINE)


def test_no_beat_running_is_said(page: Page, site: Site, running: Running) -> None:
    assert running.beat is not None
    open_page(page, site)
    banner = page.locator("#status-banner")
    expect(banner).to_contain_text(FINE)

    running.beat.stop()
    try:
        expect(banner).to_contain_text("No Beat is running")
    finally:
        running.beat = running.stack.beat()
    expect(banner).to_contain_text(FINE)
