"""merge_patch: partial updates as a table (app/schedules/patch.py)."""

from __future__ import annotations

from typing import Any

import pytest

from app.schedules.patch import merge_patch

WEEKLY = {"task": "t", "hour": "14", "minute": "30", "day_of_week": "3"}


@pytest.mark.parametrize(
    ("current", "patch", "expected"),
    [
        # Seed 004: only the fields given change.
        (WEEKLY, {"hour": 15, "minute": 0}, {**WEEKLY, "hour": 15, "minute": 0}),
        # A crontab field edits a cron expression's field; its other fields stay.
        (
            {"task": "t", "cron": "15 3 * * 1"},
            {"hour": 4},
            {"task": "t", "minute": "15", "hour": 4, "day_of_week": "1"},
        ),
        # Another kind replaces the timing.
        (WEEKLY, {"interval": 60}, {"task": "t", "interval": 60}),
        (WEEKLY, {"cron": "0 0 * * *"}, {"task": "t", "cron": "0 0 * * *"}),
        ({"task": "t", "interval": 60, "anchor": "A"}, {"at": "B"}, {"task": "t", "at": "B"}),
        # Interval keeps its anchor unless told otherwise.
        (
            {"task": "t", "interval": 60, "anchor": "A"},
            {"interval": 90},
            {"task": "t", "interval": 90, "anchor": "A"},
        ),
        (
            {"task": "t", "interval": 60, "anchor": "A"},
            {"anchor": None},
            {"task": "t", "interval": 60},
        ),
        # null resets; objects merge key by key; kwargs are replaced whole.
        (
            {**WEEKLY, "description": "d"},
            {"description": None, "day_of_week": None},
            {"task": "t", "hour": "14", "minute": "30"},
        ),
        (
            {**WEEKLY, "options": {"queue": "a", "priority": 1}},
            {"options": {"priority": None}},
            {**WEEKLY, "options": {"queue": "a"}},
        ),
        (
            {**WEEKLY, "policy": {"overlap": "allow"}},
            {"max_retries": 2},
            {**WEEKLY, "policy": {"overlap": "allow", "max_retries": 2}},
        ),
        (
            {**WEEKLY, "kwargs": {"a": 1, "b": 2}},
            {"parameters": {"c": 3}},
            {**WEEKLY, "kwargs": {"c": 3}},
        ),
        # Two kinds at once are left for validation to refuse.
        (
            WEEKLY,
            {"interval": 5, "cron": "* * * * *"},
            {"task": "t", "interval": 5, "cron": "* * * * *"},
        ),
    ],
)
def test_merge(current: dict[str, Any], patch: dict[str, Any], expected: dict[str, Any]) -> None:
    assert merge_patch(current, patch) == expected


def test_merge_does_not_mutate_its_inputs() -> None:
    current = {**WEEKLY, "options": {"queue": "a"}}
    patch = {"queue": "b", "interval": 5}
    merge_patch(current, patch)
    assert current == {**WEEKLY, "options": {"queue": "a"}}
    assert patch == {"queue": "b", "interval": 5}
