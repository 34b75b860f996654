"""The schedule list: switches, run now, delete, refresh, failures and presets."""

from __future__ import annotations

import re
from urllib.parse import unquote

from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Console, Site
from tests.browser.pages import (
    PRESET_NAMES,
    REPORT,
    create,
    eventually,
    open_page,
    read,
    remove,
    row,
    runs,
    schedule_url,
)


def test_the_switch_pauses_and_resumes_a_schedule(
    page: Page, site: Site, cleanup: list[str]
) -> None:
    name = "브라우저_스위치"
    cleanup.append(name)
    create(site, name, interval=3600)
    open_page(page, site)

    switch = row(page, name).locator("input[type=checkbox][role=switch].enabled-switch")
    expect(switch).to_be_checked()
    expect(switch).to_have_attribute("aria-label", re.compile(name))
    switch.click()
    expect(switch).not_to_be_checked()
    eventually(lambda: read(site, name)["enabled"] is False, "the schedule to be paused")  # type: ignore[index]

    switch.click()
    expect(switch).to_be_checked()
    eventually(lambda: read(site, name)["enabled"] is True, "the schedule to be resumed")  # type: ignore[index]


def test_run_now_sends_it_to_a_worker(page: Page, site: Site, cleanup: list[str]) -> None:
    name = "브라우저_지금_실행"
    cleanup.append(name)
    create(site, name, cron="0 3 1 1 *")
    open_page(page, site)

    button = row(page, name).locator("button[data-action=run]")
    expect(button).to_have_attribute("aria-label", re.compile(name))
    button.click()

    eventually(
        lambda: [
            r for r in runs(site, name) if (r["trigger"], r["outcome"]) == ("run_now", "succeeded")
        ],
        "the manual run to succeed",
    )
    expect(row(page, name).locator("[data-col=last]")).to_contain_text("succeeded")


def test_delete_asks_first(page: Page, site: Site, cleanup: list[str]) -> None:
    name = "브라우저_삭제"
    cleanup.append(name)
    create(site, name, cron="0 3 * * *")
    deletes: list[Request] = []
    page.on("request", lambda r: deletes.append(r) if r.method == "DELETE" else None)
    open_page(page, site)
    confirm = page.locator("dialog#confirm")

    row(page, name).locator("button[data-action=delete]").click()
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text(name)
    confirm.locator("button[data-confirm=no]").click()
    expect(confirm).to_be_hidden()
    # The next refresh has come and gone: still listed, and nothing was sent.
    with page.expect_response(lambda r: "/api/scheduler/schedule?" in r.url):
        pass
    expect(row(page, name)).to_be_visible()
    assert deletes == []
    assert read(site, name) is not None

    row(page, name).locator("button[data-action=delete]").click()
    confirm.locator("button[data-confirm=yes]").click()
    expect(row(page, name)).to_have_count(0)
    assert [unquote(r.url) for r in deletes] == [unquote(site.base_url + schedule_url(name))]
    assert read(site, name) is None


def test_run_anyway_after_the_overlap_policy_refused(
    page: Page, site: Site, console: Console, cleanup: list[str]
) -> None:
    """A run is still going, so run now is refused (409, overlap `skip`); the page
    offers to run anyway, and that goes through (`force`)."""
    console.allow(409, "/run")
    name = "브라우저_그래도_실행"
    cleanup.append(name)
    create(site, name, cron="0 3 1 1 *", kwargs={"simulate_seconds": 15})
    assert site.api.post(schedule_url(name, "/run")).status_code == 202
    open_page(page, site)
    confirm = page.locator("dialog#confirm")

    row(page, name).locator("button[data-action=run]").click()
    expect(confirm).to_be_visible()
    yes = confirm.locator("button[data-confirm=yes]")
    expect(yes).to_have_text(re.compile("run anyway", re.I))
    with page.expect_response(lambda r: r.url.endswith("/run?force=true")) as forced:
        yes.click()

    assert forced.value.status == 202
    expect(confirm).to_be_hidden()
    eventually(
        lambda: len([r for r in runs(site, name) if r["trigger"] == "run_now"]) == 2,
        "the forced run to be recorded beside the first",
    )
    assert read(site, name)["task"] == REPORT  # type: ignore[index]


def test_a_schedule_made_elsewhere_appears_without_a_reload(
    page: Page, site: Site, cleanup: list[str]
) -> None:
    name = "브라우저_외부_생성"
    cleanup.append(name)
    open_page(page, site)
    page.evaluate("() => { window.notReloaded = true; }")

    create(site, name, cron="15 6 * * *")

    expect(row(page, name)).to_be_visible()
    expect(row(page, name).locator("[data-col=origin]")).to_contain_text("api", ignore_case=True)
    assert page.evaluate("() => window.notReloaded") is True


def test_a_failing_schedule_is_marked_and_its_failures_filtered(
    page: Page, site: Site, cleanup: list[str]
) -> None:
    name = "브라우저_실패"
    cleanup.append(name)
    create(site, name, interval=2, kwargs={"simulate_failure": True})
    open_page(page, site)

    expect(row(page, name)).to_have_class(re.compile(r"\bfailing\b"))
    assert site.api.patch(schedule_url(name), json={"kwargs": {}}).status_code == 200
    eventually(lambda: [r for r in runs(site, name) if r["outcome"] == "succeeded"], "a success")
    assert site.api.post(schedule_url(name, "/pause")).status_code == 200
    row(page, name).locator("button[data-action=history]").click()

    history = page.locator("section#history")
    expect(history.locator('tr[data-outcome="failed"]').first).to_be_visible()
    expect(history.locator('tr[data-outcome="succeeded"]').first).to_be_visible()
    history.locator("input#history-failed-only").check()
    expect(history.locator('tr[data-outcome="succeeded"]')).to_have_count(0)
    expect(history.locator('tr[data-outcome="failed"]').first).to_be_visible()
    failed = history.locator('tr[data-outcome="failed"]').first
    expect(failed).to_contain_text(re.compile("simulated", re.I))


def test_presets_create_the_default_jobs(page: Page, site: Site) -> None:
    for name in PRESET_NAMES:
        remove(site, name)
    assert [name for name in PRESET_NAMES if read(site, name) is not None] == []
    open_page(page, site)
    try:
        for name in PRESET_NAMES:
            expect(row(page, name)).to_have_count(0)

        page.locator("#presets-button").click()

        notice = page.locator("#notice")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(PRESET_NAMES[0])
        for name in PRESET_NAMES:
            expect(row(page, name)).to_be_visible()
            assert read(site, name) is not None
    finally:
        for name in PRESET_NAMES:
            remove(site, name)


def test_a_name_of_markup_shows_as_text(page: Page, site: Site, cleanup: list[str]) -> None:
    """The page escapes names: markup in one is shown, never parsed (docs/security.md)."""
    name = "<img src=x onerror=alert(1)>"
    cleanup.append(name)
    create(site, name, interval=3600)
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    open_page(page, site)

    listed = row(page, name)
    expect(listed).to_have_count(1)
    expect(listed.locator("td").first).to_have_text(name)
    expect(page.locator("img")).to_have_count(0)
    assert alerts == []
