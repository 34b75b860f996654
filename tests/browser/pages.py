"""What the browser tests do on the page and check through the API: the test contract
of the page (docs/page.md) as small helpers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from playwright.sync_api import Locator, Page, expect

from app.schedules.jobs import PRESETS
from tests.browser.conftest import Site

PRESET_NAMES = tuple(preset.name for preset in PRESETS)
REPORT = "app.tasks.reports.analyze_trends"
BASE = "/api/scheduler/schedule"
# Checks through the API after a click: the click's request is still on its way.
API_DEADLINE = 20.0
T = TypeVar("T")


def open_page(page: Page, site: Site) -> None:
    """Load the page and wait for its first look at the API (the banner's state)."""
    page.goto(site.page_url)
    expect(page.locator("table#schedules")).to_be_attached()
    expect(page.locator("#status-banner")).not_to_have_attribute("data-state", "loading")


def row(page: Page, name: str) -> Locator:
    return page.locator(f'table#schedules tr[data-schedule="{name}"]')


def schedule_url(name: str, suffix: str = "") -> str:
    return f"{BASE}/{quote(name, safe='')}{suffix}"


def create(site: Site, name: str, **definition: Any) -> dict[str, Any]:
    body = {"name": name, "task": REPORT, **definition}
    response = site.api.post(BASE, json=body)
    assert response.status_code == 201, response.text
    return response.json()["schedule"]  # type: ignore[no-any-return]


def read(site: Site, name: str) -> dict[str, Any] | None:
    response = site.api.get(schedule_url(name))
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def runs(site: Site, name: str) -> list[dict[str, Any]]:
    response = site.api.get(schedule_url(name, "/runs"))
    assert response.status_code == 200, response.text
    return response.json()["runs"]  # type: ignore[no-any-return]


def remove(site: Site, name: str) -> None:
    site.api.delete(schedule_url(name))


def eventually(check: Callable[[], T], what: str, timeout: float = API_DEADLINE) -> T:
    """Poll the API until `check()` is truthy; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def sideways_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    overflow: int = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
    return overflow


def dialog_overflow(page: Page) -> int:
    """How many pixels the widest open dialog's content is wider than the dialog (0:
    nothing in it scrolls or is cut off sideways)."""
    overflow: int = page.evaluate(
        """() => Math.max(0, ...[...document.querySelectorAll('dialog[open]')]
          .map((d) => d.scrollWidth - d.clientWidth))"""
    )
    return overflow


def is_focused(locator: Locator) -> bool:
    focused: bool = locator.evaluate("(el) => el === document.activeElement")
    return focused


def tab_to(page: Page, target: Locator, limit: int = 200) -> int:
    """Press Tab until `target` has the focus; how many presses that took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if is_focused(target):
            return presses
    raise AssertionError(f"Tab never reached {target} in {limit} presses")


# Visible controls with no accessible name: no <label>, aria-label(ledby), text or title.
UNLABELLED_JS = """
() => [...document.querySelectorAll('button, input, select, textarea')]
  .filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0)
  .filter((el) => !(
    (el.labels && el.labels.length) ||
    el.getAttribute('aria-label') ||
    el.getAttribute('aria-labelledby') ||
    el.getAttribute('title') ||
    (el.tagName === 'BUTTON' && el.textContent.trim())
  ))
  .map((el) => el.outerHTML.slice(0, 120))
"""


def unlabelled_controls(page: Page) -> list[str]:
    found: list[str] = page.evaluate(UNLABELLED_JS)
    return found
