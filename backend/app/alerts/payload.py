"""The body POSTed for an alert: Slack's incoming-webhook JSON, readable elsewhere too.

`text` is the whole message in one line (Slack's notification and fallback); `blocks`
lay it out (a headline, up to ten fields, where to see the history); `alert` carries
the event as data, with its id, for receivers that are programs (Slack ignores it).
The webhook's URL is never part of it.
"""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from app.alerts.events import AlertEvent
from app.schedules import iso

# Slack's limits: ten fields per section, 2000 characters per field.
MAX_FIELDS = 10
FIELD_MAX = 2000
SOURCE = "batchsched"
CONTROL_SCRIPT = "./scheduler_control.sh"


@dataclass(frozen=True)
class Links:
    """Where a reader sees a schedule's history: the API's address as they reach it."""

    api_base: str

    def runs_url(self, name: str) -> str:
        return f"{self.api_base.rstrip('/')}/api/scheduler/schedule/{quote(name, safe='')}/runs"

    @staticmethod
    def history_command(name: str) -> str:
        """The CLI's `runs` verb through ./scheduler_control.sh, which passes every verb
        on (./check_schedules.sh would run `status` with these arguments)."""
        # Quoted only when the shell needs it: a Korean name reads better bare. A name
        # that starts with `-` would read as an option: `--` ends them.
        plain = all(ch.isalnum() or ch in "_-.:" for ch in name)
        ends_options = "-- " if name.startswith("-") else ""
        return f"{CONTROL_SCRIPT} runs {ends_options}{name if plain else shlex.quote(name)}"


def escape(text: str) -> str:
    """Slack's mrkdwn treats &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def when(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def span(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _error_text(event: AlertEvent) -> str | None:
    if not event.error:
        return None
    kind, message = event.error.get("type", ""), event.error.get("message", "")
    return f"{kind}: {message}" if message else kind or None


def _failure(event: AlertEvent) -> str:
    name = event.schedule
    if event.outcome == "timed_out":
        return f"{name}: run timed out after {span(event.duration_seconds) or 'its timeout'}"
    if event.outcome == "lost":
        return f"{name}: run lost (its worker stopped renewing its lease: killed or gone)"
    tries = f" after {event.attempt} attempts" if (event.attempt or 1) > 1 else ""
    error = _error_text(event)
    return f"{name}: run failed{tries}" + (f": {error}" if error else "")


def _long(event: AlertEvent) -> str:
    usual = f"usually {span(event.usual_seconds)}, " if event.usual_seconds is not None else ""
    limit = f"({usual}alert above {span(event.threshold_seconds)})"
    if event.running:
        return f"{event.schedule}: run still going after {span(event.duration_seconds)} {limit}"
    return f"{event.schedule}: run took {span(event.duration_seconds)} {limit}"


def _items(event: AlertEvent) -> str:
    failed, total = event.failed_items, event.total_items
    if total is not None and failed is not None and failed >= total:
        return f"{event.schedule}: all {total} items failed"
    of = f" of {total}" if total is not None else ""
    return f"{event.schedule}: {failed}{of} items failed (alert at {event.items_threshold})"


def headline(event: AlertEvent) -> str:
    if event.kind == "run_failed":
        line = _failure(event)
    elif event.kind == "consecutive_failures":
        line = f"{event.schedule}: failed {event.streak} times in a row"
    elif event.kind == "long_run":
        line = _long(event)
    elif event.kind == "missed":
        count = event.missed_count or 1
        slots = f" ({count} slots)" if count > 1 else ""
        line = (
            f"{event.schedule}: missed its fire of {when(event.scheduled_at)}{slots}; "
            "no Beat was running, and it was past its catch-up window"
        )
    else:
        line = _items(event)
    if event.suppressed:
        held = event.suppressed
        line += f" (+{held} earlier alerts of this schedule held back by the rate limit)"
    return line


def _fields(event: AlertEvent) -> list[tuple[str, str]]:
    attempt = str(event.attempt) if event.attempt and event.attempt > 1 else None
    items = None
    if event.failed_items is not None:
        total = f" of {event.total_items}" if event.total_items is not None else ""
        items = f"{event.failed_items}{total} failed"
    rows = [
        ("Schedule", event.schedule),
        ("Alert", event.kind),
        ("Outcome", event.outcome if event.kind != "long_run" or not event.running else "running"),
        ("Slot", when(event.scheduled_at)),
        ("Duration", span(event.duration_seconds)),
        ("Attempt", attempt),
        ("Items", items),
        ("Error", _error_text(event)),
        ("Task", event.task),
        ("Task id", event.task_id),
    ]
    return [(label, value[:FIELD_MAX]) for label, value in rows if value][:MAX_FIELDS]


TIMES = ("at", "scheduled_at", "started_at", "finished_at")


def _data(event: AlertEvent) -> dict[str, Any]:
    """The event as data; times in ISO-8601 UTC, as the API writes them."""
    data = {k: v for k, v in asdict(event).items() if v is not None}
    for key in TIMES:
        if key in data:
            data[key] = iso(data[key])
    return data


def build_payload(event: AlertEvent, links: Links) -> dict[str, Any]:
    title = headline(event)
    url = links.runs_url(event.schedule)
    command = links.history_command(event.schedule)
    fields = [
        {"type": "mrkdwn", "text": f"*{label}*\n{escape(value)}"} for label, value in _fields(event)
    ]
    history = f"History: <{url}|runs of {escape(event.schedule)}> or `{escape(command)}`"
    return {
        "text": f"[{SOURCE}] {escape(title)}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(title)}*"}},
            {"type": "section", "fields": fields},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": history}]},
        ],
        "alert": {**_data(event), "history_url": url, "history_command": command},
    }
