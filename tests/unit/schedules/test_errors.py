"""app/schedules/errors.py: a Problem masks a secret field's value as it is made, so no
rendering of it (API body, sync state, log line, CLI) can show the secret."""

from __future__ import annotations

from typing import Any

import pytest

from app.schedules.errors import InvalidSchedule, Problem

SECRET = "s3cr3t"
URL = f"https://hooks.slack.com/services/T0/B0/{SECRET}"
SHOWN = "https://hooks.slack.com/…"

# (field, value as given, value as kept)
CASES: list[tuple[str, Any, Any]] = [
    ("policy.alert_webhook_url", URL, SHOWN),
    ("alert_webhook_url", URL, SHOWN),  # seed 000's flat spelling
    ("schedules.주간.policy.alert_webhook_url", URL, SHOWN),  # schedules.json's prefix
    ("policy.alert_webhook_url", f"hooks.slack.com/{SECRET}", "…"),
    ("policy.alert_webhook_url", [SECRET], "…"),
    ("policy.alert_webhook_url", 12345, "…"),
    ("policy.alert_webhook_url", None, None),
    # A whole object refused at once: the secret inside it, at any depth.
    (
        "schedule",
        {"task": "t", "alert_webhook_url": URL},
        {"task": "t", "alert_webhook_url": SHOWN},
    ),
    ("body", [{"policy": {"alert_webhook_url": URL}}], [{"policy": {"alert_webhook_url": SHOWN}}]),
    # Other fields keep their value: it is what tells the caller what to fix.
    ("policy.lock_key", URL, URL),
    ("kwargs.url", URL, URL),
    ("hour", "25", "25"),
]


@pytest.mark.parametrize(("field", "given", "kept"), CASES)
def test_a_problem_masks_the_secret_in_its_value(field: str, given: Any, kept: Any) -> None:
    assert Problem(field, given, "is wrong").value == kept


def test_the_message_shows_the_masked_value() -> None:
    error = InvalidSchedule([Problem("policy.alert_webhook_url", URL, "must be https")])

    assert str(error) == f"policy.alert_webhook_url: must be https (got {SHOWN!r})"


def test_a_problem_wrapped_again_stays_masked_the_same() -> None:
    """schedules.json and seed 000 rename the fields of a problem by making a new one."""
    inner = Problem("policy.alert_webhook_url", URL, "bad")

    outer = Problem(f"schedules.a.{inner.field}", inner.value, inner.message)

    assert outer.value == inner.value == SHOWN
