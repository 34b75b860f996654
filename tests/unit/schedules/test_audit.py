"""app/schedules/audit.py: the field diff, the action it amounts to, and Beat's line."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from app.core.celery_app import celery_app
from app.schedules import entry as codec
from app.schedules.audit import (
    Change,
    FieldChange,
    action_of,
    change_from_documents,
    change_of,
    describe,
    diff_documents,
    foreign_edit,
    show_value,
    source_of,
)
from app.schedules.entry import decode
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec

TASK = "app.tasks.scheduler.crawl_all_complexes"
SEED = {"task": TASK, "hour": "14", "minute": "30", "day_of_week": "3"}
TZ = "Asia/Seoul"


def change(action: Any, *fields: tuple[str, Any, Any], actor: str = "client:127.0.0.1") -> Change:
    return Change("테스트_크롤링", action, actor, tuple(FieldChange(*f) for f in fields), 0.0)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(SEED, {**SEED, "hour": "15"}, [("hour", "14", "15")], id="one_field"),
        pytest.param(SEED, SEED, [], id="nothing"),
        pytest.param(
            {"task": TASK, "cron": "0 3 * * *"},
            {"task": TASK, "interval": 60.0},
            [("interval", None, 60.0), ("cron", "0 3 * * *", None)],
            id="timing_kind_swapped",
        ),
        pytest.param(
            {"task": TASK, "interval": 60.0, "policy": {"max_retries": 1}},
            {"task": TASK, "interval": 60.0, "policy": {"max_retries": 3, "overlap": "allow"}},
            [("policy.max_retries", 1, 3), ("policy.overlap", None, "allow")],
            id="nested_dotted",
        ),
        pytest.param(
            {"task": TASK, "interval": 60.0, "kwargs": {"supplier": "오너클랜"}},
            {"task": TASK, "interval": 60.0},
            [("kwargs.supplier", "오너클랜", None)],
            id="nested_gone",
        ),
        pytest.param(
            {"task": TASK, "interval": 60.0, "args": [1]},
            {"task": TASK, "interval": 60.0, "args": [1, 2]},
            [("args", [1], [1, 2])],
            id="lists_whole",
        ),
        pytest.param(None, {"task": TASK}, [("task", None, TASK)], id="created"),
    ],
)
def test_diff_documents(
    old: dict[str, Any] | None, new: dict[str, Any], expected: list[tuple[str, Any, Any]]
) -> None:
    assert diff_documents(old, new) == tuple(FieldChange(*e) for e in expected)


@pytest.mark.parametrize(
    ("old", "new", "action"),
    [
        (None, SEED, "created"),
        (SEED, None, "deleted"),
        (None, None, "deleted"),  # an unreadable entry deleted
        (SEED, {**SEED, "enabled": False}, "paused"),
        ({**SEED, "enabled": False}, SEED, "resumed"),
        (SEED, {**SEED, "enabled": False, "hour": "9"}, "changed"),
        (SEED, {**SEED, "hour": "9"}, "changed"),
    ],
)
def test_action_of(old: Any, new: Any, action: str) -> None:
    assert action_of(old, new) == action


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("14", "14"),
        ("*/5", "*/5"),
        (None, "unset"),
        (60.0, "60"),
        (1.5, "1.5"),
        (False, "false"),
        ("0 3 * * *", '"0 3 * * *"'),
        ("", '""'),
        ("a→b", '"a→b"'),
        ("줄\n바꿈", '"줄\\n바꿈"'),  # a log line stays one line
        ({"supplier": "젠트레이드"}, '{"supplier": "젠트레이드"}'),
        ("x" * 100, "x" * 59 + "…"),
    ],
)
def test_show_value(value: Any, shown: str) -> None:
    assert show_value(value) == shown


@pytest.mark.parametrize(
    ("event", "line"),
    [
        (
            change("changed", ("hour", "14", "15"), ("minute", "30", "0")),
            "schedule 테스트_크롤링 changed: hour 14→15, minute 30→0 (api) by client:127.0.0.1",
        ),
        (
            change("changed", ("hour", "14", "15"), actor="file"),
            "schedule 테스트_크롤링 changed: hour 14→15 (file)",
        ),
        (
            change("created", ("task", None, TASK), ("hour", None, "14"), actor="cli:me@box"),
            f"schedule 테스트_크롤링 created: task {TASK}, hour 14 (cli) by cli:me@box",
        ),
        (
            change("paused", ("enabled", None, False)),
            "schedule 테스트_크롤링 paused (api) by client:127.0.0.1",
        ),
        (
            change("deleted", ("hour", "14", None), actor="unknown"),
            "schedule 테스트_크롤링 deleted (unknown)",
        ),
        (
            change("changed", *[(f"kwargs.k{i}", i, i + 1) for i in range(8)], actor="redbeat"),
            "schedule 테스트_크롤링 changed: kwargs.k0 0→1, kwargs.k1 1→2, kwargs.k2 2→3, "
            "kwargs.k3 3→4, kwargs.k4 4→5, kwargs.k5 5→6, and 2 more (redbeat)",
        ),
    ],
)
def test_describe(event: Change, line: str) -> None:
    assert describe(event) == line


@pytest.mark.parametrize(
    ("actor", "source"),
    [
        ("client:10.0.0.5", "api"),
        ("token:ops", "api"),
        ("cli:me@box", "cli"),
        ("file", "file"),
        ("redbeat", "redbeat"),
        ("page:10.0.0.5", "page"),
        ("someone", "unknown"),
        (None, "unknown"),
    ],
)
def test_source_of(actor: str | None, source: str) -> None:
    assert source_of(actor) == source


def entry_of(fields: dict[str, str]) -> Any:
    key = entry_key("테스트_크롤링")
    row = [fields.get(f) for f in codec.FIELDS]
    return decode(key, row, TZ, celery_app)


def stored(doc: dict[str, Any]) -> dict[str, str]:
    return codec.encode("테스트_크롤링", parse_spec(doc), "api", TZ, celery_app)


def test_change_of_an_edit_is_the_seed_line() -> None:
    old, new = entry_of(stored(SEED)), entry_of(stored({**SEED, "hour": "15"}))
    made = change_of("테스트_크롤링", old, new, "client:127.0.0.1", 1.0)
    assert made is not None and made.etag == new.etag
    assert describe(made).startswith("schedule 테스트_크롤링 changed: hour 14→15 (api)")
    assert change_of("테스트_크롤링", old, old, "client:127.0.0.1", 1.0) is None


def test_a_change_round_trips_through_json() -> None:
    made = change("changed", ("kwargs.supplier", "오너클랜", None), ("args", [1], [1, 2]))
    assert Change.from_json(made.to_json(), "1-0") == replace(made, id="1-0")


def test_foreign_edit_tells_redbeat_writes_from_ours() -> None:
    ours = stored(SEED)
    assert foreign_edit(entry_of(ours)) is None
    # RedBeat's own save() rewrites `definition` and leaves our `manager` as it was.
    theirs = stored({**SEED, "hour": "15"})[codec.FIELD_DEFINITION]
    edit = foreign_edit(entry_of({**ours, codec.FIELD_DEFINITION: theirs}))
    assert edit is not None
    before, after = edit
    assert diff_documents(before, after) == (FieldChange("hour", "14", "15"),)
    # Created by RedBeat: nothing of ours before.
    created = foreign_edit(entry_of({codec.FIELD_DEFINITION: theirs}))
    assert created is not None and created[0] is None and created[1]["hour"] == "15"


def test_a_created_line_shows_a_cron_quoted() -> None:
    new = entry_of(stored({"task": TASK, "cron": "0 3 * * *"}))
    made = change_of("매일", None, new, "file", 0.0)
    assert made is not None
    assert describe(made) == f'schedule 매일 created: task {TASK}, cron "0 3 * * *" (file)'
    assert json.loads(made.to_json())["actor"] == "file"


def test_a_webhook_url_is_kept_as_its_host_only() -> None:
    """Slack's webhook URLs carry their secret in the path: never in the trail or log."""
    old = {
        "task": "t",
        "policy": {"alert_webhook_url": "https://hooks.slack.com/services/T0/B0/s3cret"},
    }
    new = {
        "task": "t",
        "policy": {"alert_webhook_url": "https://hooks.slack.com/services/T0/B0/other"},
    }
    [change] = diff_documents(old, new)
    assert change == FieldChange(
        "policy.alert_webhook_url", "https://hooks.slack.com/…", "https://hooks.slack.com/…"
    )
    event = change_from_documents("a", old, new, "file", 0.0, None)
    assert event is not None
    assert "s3cret" not in describe(event) and "s3cret" not in event.to_json()
