"""app/alerts/payload.py: the Slack-compatible body of each kind of alert."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from app.alerts.events import KINDS, AlertEvent
from app.alerts.payload import Links, build_payload, headline, span
from app.cli import history
from app.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[3]

T0 = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC
LINKS = Links("https://sched.example.com/")


def event(kind: str, **kw: Any) -> AlertEvent:
    base: dict[str, Any] = {
        "id": f"{kind}:t1",
        "kind": kind,
        "schedule": "오너클랜 수집",
        "at": T0 + 60,
        "task": "app.tasks.collection.collect_supplier",
        "task_id": "t1",
        "scheduled_at": T0,
        "outcome": "failed",
    }
    return AlertEvent(**{**base, **kw})


@pytest.mark.parametrize(
    ("alert", "expected"),
    [
        (
            event("run_failed", attempt=3, error={"type": "SimulatedFailure", "message": "boom"}),
            "오너클랜 수집: run failed after 3 attempts: SimulatedFailure: boom",
        ),
        (
            event("run_failed", error={"type": "KeyError", "message": ""}),
            "오너클랜 수집: run failed: KeyError",
        ),
        (
            event("run_failed", outcome="timed_out", duration_seconds=1800),
            "오너클랜 수집: run timed out after 30 min",
        ),
        (event("run_failed", outcome="lost"), "오너클랜 수집: run lost (its worker stopped"),
        (event("consecutive_failures", streak=3), "오너클랜 수집: failed 3 times in a row"),
        (
            event(
                "long_run",
                running=True,
                duration_seconds=7300,
                threshold_seconds=5400,
                usual_seconds=1800,
            ),
            "오너클랜 수집: run still going after 2 h 1 min (usually 30 min, alert above 1 h",
        ),
        (
            event("long_run", running=False, duration_seconds=12.5, threshold_seconds=5),
            "오너클랜 수집: run took 12.5 s (alert above 5.0 s)",
        ),
        (
            event("missed", missed_count=2, outcome="missed"),
            "오너클랜 수집: missed its fire of 2027-01-15 08:00:00 UTC (2 slots); no Beat",
        ),
        (
            event("failed_items", failed_items=12, total_items=800, items_threshold=10),
            "오너클랜 수집: 12 of 800 items failed (alert at 10)",
        ),
        (event("failed_items", failed_items=5, total_items=5), "오너클랜 수집: all 5 items failed"),
    ],
)
def test_each_kind_has_a_headline_that_says_what_happened(alert: AlertEvent, expected: str) -> None:
    assert headline(alert).startswith(expected), headline(alert)


def test_the_body_is_slack_s_with_the_event_as_data_and_where_to_see_history() -> None:
    alert = event("run_failed", error={"type": "ValueError", "message": "bad <input> & more"})
    body = build_payload(alert, LINKS)
    json.dumps(body)  # serialisable as is

    assert body["text"].startswith("[batchsched] 오너클랜 수집: run failed: ValueError")
    # Slack's mrkdwn: &, < and > escaped wherever text came from a task or a name.
    assert "bad &lt;input&gt; &amp; more" in body["text"]
    title, details, context = body["blocks"]
    assert title["type"] == "section" and title["text"]["type"] == "mrkdwn"
    fields = {f["text"].split("\n")[0]: f["text"].split("\n", 1)[1] for f in details["fields"]}
    assert fields["*Schedule*"] == "오너클랜 수집"
    assert fields["*Outcome*"] == "failed"
    assert fields["*Slot*"] == "2027-01-15 08:00:00 UTC"
    assert fields["*Error*"] == "ValueError: bad &lt;input&gt; &amp; more"
    assert len(details["fields"]) <= 10

    url = "https://sched.example.com/api/scheduler/schedule/%EC%98%A4%EB%84%88%ED%81%B4%EB%9E%9C%20%EC%88%98%EC%A7%91/runs"
    history = context["elements"][0]["text"]
    assert f"<{url}|runs of 오너클랜 수집>" in history
    assert "`./scheduler_control.sh runs '오너클랜 수집'`" in history  # quoted for the shell

    data = body["alert"]
    assert (data["id"], data["kind"], data["schedule"]) == (
        "run_failed:t1",
        "run_failed",
        "오너클랜 수집",
    )
    assert (data["history_url"], data["history_command"]) == (
        url,
        "./scheduler_control.sh runs '오너클랜 수집'",
    )
    assert data["error"] == {"type": "ValueError", "message": "bad <input> & more"}
    assert (data["scheduled_at"], data["at"]) == ("2027-01-15T08:00:00Z", "2027-01-15T08:01:00Z")


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_builds_and_says_how_many_alerts_the_rate_limit_held_back(kind: str) -> None:
    alert = event(
        kind, suppressed=4, streak=3, failed_items=10, duration_seconds=9, threshold_seconds=5
    )
    body = build_payload(alert, LINKS)
    assert "+4 earlier alerts of this schedule held back by the rate limit" in body["text"]
    assert body["alert"]["suppressed"] == 4


def test_an_event_survives_its_trip_through_the_queue() -> None:
    alert = event("long_run", running=True, duration_seconds=95.5, threshold_seconds=90)
    back = AlertEvent.from_json(alert.to_json(), suppressed=2)
    assert back == AlertEvent(**{**vars(alert), "suppressed": 2})
    with pytest.raises(ValueError, match="not an alert event"):
        AlertEvent.from_json('{"id": "x", "kind": "nonsense", "schedule": "a", "at": 1}')


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.25, "0.2 s"),
        (59.9, "59.9 s"),
        (61, "1 min 1 s"),
        (120, "2 min"),
        (3600, "1 h"),
        (3720, "1 h 2 min"),
    ],
)
def test_spans(seconds: float, text: str) -> None:
    assert span(seconds) == text


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("놓침", "./scheduler_control.sh runs 놓침"),
        ("daily_report-2", "./scheduler_control.sh runs daily_report-2"),
        ("오너클랜 수집", "./scheduler_control.sh runs '오너클랜 수집'"),
        ("a;rm -rf /", "./scheduler_control.sh runs 'a;rm -rf /'"),
        ("it's", "./scheduler_control.sh runs 'it'\"'\"'s'"),
        ("-x", "./scheduler_control.sh runs -- -x"),
        ("--json", "./scheduler_control.sh runs -- --json"),
    ],
)
def test_the_history_command_is_quoted_only_when_the_shell_needs_it(
    name: str, command: str
) -> None:
    assert Links.history_command(name) == command


def _script_prefix(script: str) -> list[str]:
    """The arguments `script` (one of the repo's wrappers) gives the CLI before the
    caller's: `exec batchsched-cli status "$@"` gives ["status"]."""
    text = (ROOT / script).read_text(encoding="utf-8")
    match = re.search(r'^exec batchsched-cli (.*)"\$@"$', text, re.MULTILINE)
    assert match, f"{script} does not end by passing its arguments to batchsched-cli"
    return shlex.split(match.group(1))


@pytest.mark.parametrize(
    "name", ["놓침", "오너클랜 수집", "a;rm -rf /", "it's", "-x", "--json", "x --limit 1"]
)
def test_the_history_command_is_one_the_cli_runs_as_runs_of_that_schedule(name: str) -> None:
    script, *args = shlex.split(Links.history_command(name))
    assert script.startswith("./")
    parsed = build_parser().parse_args(_script_prefix(script[2:]) + args)
    assert (parsed.handler, parsed.name) == (history.run_runs, name)
