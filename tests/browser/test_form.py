"""The schedule dialog: create (with a Korean name, and watch it fire), edit, and
errors shown at the field they concern."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, Request, expect

from tests.browser.conftest import Console, Site
from tests.browser.pages import (
    BASE,
    REPORT,
    create,
    eventually,
    open_page,
    read,
    remove,
    row,
    runs,
    tab_to,
)


def schedule_dialog(page: Page) -> Locator:
    return page.locator("dialog#schedule-dialog")


def open_new(page: Page) -> Locator:
    page.locator("#add-button").click()
    dialog = schedule_dialog(page)
    expect(dialog).to_be_visible()
    return dialog.locator("form#schedule-form")


def test_a_schedule_made_on_the_page_fires_and_its_run_shows_in_the_history(
    page: Page, site: Site, cleanup: list[str]
) -> None:
    name = "브라우저_트렌드_분석"
    cleanup.append(name)
    open_page(page, site)

    form = open_new(page)
    form.locator("[name=name]").fill(name)
    form.locator("select[name=task]").select_option(REPORT)
    expect(page.locator("#task-params")).to_contain_text("top_n")
    form.locator("input[name=timing-kind][value=interval]").check()
    form.locator("[name=interval]").fill("3")
    expect(page.locator("#timing-preview ol#next-runs li")).to_have_count(5)
    expect(page.locator("#timing-preview")).to_contain_text("every 3 seconds")
    form.locator("[name=kwargs]").fill('{"top_n": 3}')
    form.locator("button[type=submit]").click()

    expect(schedule_dialog(page)).to_be_hidden()
    saved = read(site, name)
    assert saved is not None
    assert (saved["task"], saved["interval"], saved["kwargs"]) == (REPORT, 3, {"top_n": 3})
    listed = row(page, name)
    expect(listed.locator("[data-col=timing]")).to_contain_text("every 3 seconds")
    # It fires every 3 s; the list shows the run without a reload.
    expect(listed.locator("[data-col=last]")).to_contain_text("succeeded")
    eventually(lambda: [r for r in runs(site, name) if r["outcome"] == "succeeded"], "a run")

    listed.locator("button[data-action=history]").click()
    history = page.locator("section#history")
    expect(history).to_be_visible()
    expect(history.locator("h2")).to_contain_text(name)
    expect(history.locator('tr[data-outcome="succeeded"]').first).to_be_visible()


def test_editing_a_schedule_changes_its_timing(page: Page, site: Site, cleanup: list[str]) -> None:
    name = "브라우저_수정"
    cleanup.append(name)
    create(site, name, cron="0 3 * * *")
    open_page(page, site)

    row(page, name).locator("button[data-action=edit]").click()
    form = schedule_dialog(page).locator("form#schedule-form")
    expect(form.locator("[name=name]")).to_have_value(name)
    expect(form.locator("[name=name]")).not_to_be_editable()
    expect(form.locator("[name=cron]")).to_have_value("0 3 * * *")
    form.locator("[name=cron]").fill("30 4 * * *")
    expect(page.locator("#timing-preview")).to_contain_text("04:30")
    form.locator("button[type=submit]").click()

    expect(schedule_dialog(page)).to_be_hidden()
    expect(row(page, name).locator("[data-col=timing]")).to_contain_text("04:30")
    saved = read(site, name)
    assert saved is not None and saved["cron"] == "30 4 * * *"


def test_errors_show_at_their_field_and_bad_json_never_reaches_the_api(
    page: Page, site: Site, console: Console
) -> None:
    # The create is refused with 422 on purpose (a preview never is: it answers 200).
    console.allow(422, BASE)
    name = "브라우저_오류"
    creates: list[Request] = []
    page.on(
        "request",
        lambda r: creates.append(r) if r.method == "POST" and r.url.endswith(BASE) else None,
    )
    open_page(page, site)
    form = open_new(page)
    form.locator("[name=name]").fill(name)
    form.locator("select[name=task]").select_option(REPORT)
    form.locator("input[name=timing-kind][value=cron]").check()
    form.locator("[name=cron]").fill("0 3 * * *")

    form.locator("[name=kwargs]").fill("{top_n: 3")
    form.locator("button[type=submit]").click()
    expect(page.locator('[data-error-for="kwargs"]')).not_to_be_empty()
    assert creates == []

    # A parameter the task does not take: the API names `kwargs...`, shown at the box.
    form.locator("[name=kwargs]").fill('{"no_such_parameter": 1}')
    form.locator("button[type=submit]").click()
    expect(page.locator('[data-error-for="kwargs"]')).to_contain_text("no_such_parameter")

    form.locator("[name=kwargs]").fill('{"top_n": 3}')
    form.locator("[name=cron]").fill("61 3 * * *")
    form.locator("button[type=submit]").click()
    expect(page.locator('[data-error-for="cron"]')).to_contain_text("61")
    expect(page.locator('[data-error-for="kwargs"]')).to_be_empty()

    expect(schedule_dialog(page)).to_be_visible()
    assert read(site, name) is None


def test_the_dialog_is_keyboard_usable(page: Page, site: Site, cleanup: list[str]) -> None:
    name = "브라우저_키보드"
    cleanup.append(name)
    create(site, name, interval=3600)
    open_page(page, site)
    add = page.locator("#add-button")

    add.focus()
    page.keyboard.press("Enter")
    expect(schedule_dialog(page)).to_be_visible()
    expect(page.locator("#schedule-form [name=name]")).to_be_focused()
    page.keyboard.press("Escape")

    expect(schedule_dialog(page)).to_be_hidden()
    expect(add).to_be_focused()
    assert re.search(r"\S", add.inner_text())

    # The row's switch and buttons are reached with Tab; Space flips the switch.
    listed = row(page, name)
    switch = listed.locator("input[role=switch].enabled-switch")
    tab_to(page, switch)
    page.keyboard.press("Space")
    expect(switch).not_to_be_checked()
    eventually(lambda: read(site, name)["enabled"] is False, "the schedule to be paused")  # type: ignore[index]
    edit = listed.locator("button[data-action=edit]")
    tab_to(page, edit)
    page.keyboard.press("Enter")
    expect(schedule_dialog(page)).to_be_visible()
    expect(page.locator("#schedule-form [name=name]")).to_have_value(name)
    page.keyboard.press("Escape")
    expect(edit).to_be_focused()


def test_crontab_fields_make_a_schedule(page: Page, site: Site, cleanup: list[str]) -> None:
    name = "브라우저_크론탭_필드"
    cleanup.append(name)
    open_page(page, site)

    form = open_new(page)
    form.locator("[name=name]").fill(name)
    form.locator("select[name=task]").select_option(REPORT)
    form.locator("input[name=timing-kind][value=crontab]").check()
    form.locator("[name=minute]").fill("15")
    form.locator("[name=hour]").fill("4")
    form.locator("[name=day_of_week]").fill("1")
    expect(page.locator("#timing-preview")).to_contain_text("04:15")
    expect(page.locator("#timing-preview ol#next-runs li")).to_have_count(5)
    form.locator("button[type=submit]").click()

    expect(schedule_dialog(page)).to_be_hidden()
    saved = read(site, name)
    assert saved is not None
    assert (saved["minute"], saved["hour"], saved["day_of_week"]) == ("15", "4", "1")
    assert saved["timing"]["kind"] == "crontab"
    expect(row(page, name).locator("[data-col=timing]")).to_contain_text("04:15")


def test_an_interval_with_a_first_run(page: Page, site: Site, cleanup: list[str]) -> None:
    name = "브라우저_간격_기준"
    cleanup.append(name)
    open_page(page, site)

    form = open_new(page)
    form.locator("[name=name]").fill(name)
    form.locator("select[name=task]").select_option(REPORT)
    form.locator("input[name=timing-kind][value=interval]").check()
    form.locator("[name=interval]").fill("3600")
    form.locator("[name=anchor]").fill("2026-01-01T00:20:00")
    form.locator("[name=timezone]").fill("Asia/Seoul")
    preview = page.locator("#timing-preview")
    expect(preview).to_contain_text("2026-01-01 00:20:00")
    expect(preview.locator("ol#next-runs li").first).to_contain_text(":20")
    form.locator("button[type=submit]").click()

    expect(schedule_dialog(page)).to_be_hidden()
    saved = read(site, name)
    assert saved is not None
    assert saved["interval"] == 3600
    assert saved["anchor"].startswith("2026-01-01T00:20:00")


def test_a_one_off(page: Page, site: Site, cleanup: list[str]) -> None:
    name = "브라우저_한번"
    cleanup.append(name)
    open_page(page, site)

    form = open_new(page)
    form.locator("[name=name]").fill(name)
    form.locator("select[name=task]").select_option(REPORT)
    form.locator("input[name=timing-kind][value=once]").check()
    form.locator("[name=at]").fill("2099-01-02T09:30:00")
    form.locator("[name=timezone]").fill("Asia/Seoul")
    expect(page.locator("#timing-preview ol#next-runs li")).to_have_count(1)
    expect(page.locator("#timing-preview")).to_contain_text("2099")
    form.locator("button[type=submit]").click()

    expect(schedule_dialog(page)).to_be_hidden()
    saved = read(site, name)
    assert saved is not None
    assert saved["at"].startswith("2099-01-02T09:30:00")
    assert saved["timing"]["kind"] == "once"


def test_a_name_with_url_characters_and_korean(page: Page, site: Site) -> None:
    """Made, edited, its history read and deleted on the page: every call names it in a
    URL, so each of "/ % # ?" must be escaped there."""
    name = "보고서/주간 50% #1 ?요약=예&x"
    remove(site, name)
    open_page(page, site)
    try:
        form = open_new(page)
        form.locator("[name=name]").fill(name)
        form.locator("select[name=task]").select_option(REPORT)
        form.locator("input[name=timing-kind][value=interval]").check()
        form.locator("[name=interval]").fill("2")
        form.locator("button[type=submit]").click()
        expect(schedule_dialog(page)).to_be_hidden()
        saved = read(site, name)
        assert saved is not None and saved["interval"] == 2
        listed = row(page, name)
        expect(listed).to_be_visible()
        expect(listed.locator("[data-col=name]")).to_contain_text(name)

        listed.locator("button[data-action=edit]").click()
        form = schedule_dialog(page).locator("form#schedule-form")
        expect(form.locator("[name=name]")).to_have_value(name)
        form.locator("[name=description]").fill("특수 문자 이름")
        form.locator("button[type=submit]").click()
        expect(schedule_dialog(page)).to_be_hidden()
        eventually(
            lambda: (read(site, name) or {}).get("description") == "특수 문자 이름",
            "the edit to be saved",
        )

        eventually(lambda: [r for r in runs(site, name) if r["outcome"] == "succeeded"], "a run")
        listed.locator("button[data-action=history]").click()
        history = page.locator("section#history")
        expect(history.locator("h2")).to_contain_text(name)
        expect(history.locator('tr[data-outcome="succeeded"]').first).to_be_visible()

        listed.locator("button[data-action=delete]").click()
        confirm = page.locator("dialog#confirm")
        expect(confirm).to_contain_text(name)
        confirm.locator("button[data-confirm=yes]").click()
        expect(row(page, name)).to_have_count(0)
        assert read(site, name) is None
    finally:
        remove(site, name)
