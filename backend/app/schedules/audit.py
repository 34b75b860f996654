"""What changed in a schedule, who changed it, and the one line that says so.

A `Change` is one applied write: created, changed (with a field-by-field diff of the
spec documents, `ScheduleSpec.to_document`), paused, resumed or deleted. The service
and the file sync record one after each write that succeeded (store: `record_changes`);
Beat logs each as it picks it up: `schedule 테스트_크롤링 changed: hour 14→15 (api)`.

`actor` names who did it ("client:127.0.0.1", "token:ops", "cli:user@host", "file",
"redbeat"); `source` is where the change came in, derived from the actor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from app.core.redaction import redacted_webhook
from app.schedules.entry import Entry, digest
from app.schedules.spec import CRON_FIELDS, SECRET_POLICY_FIELDS

Action = Literal["created", "changed", "paused", "resumed", "deleted"]
Source = Literal["api", "cli", "facade", "file", "page", "redbeat", "unknown"]
ACTIONS: tuple[Action, ...] = ("created", "changed", "paused", "resumed", "deleted")
# The names other layers import (the API's models).
AuditAction = Action
AuditSource = Source
# Actor prefixes and the source each stands for. API callers are named by token
# ("token:ops") once tokens have names, by client address until then.
SOURCES: dict[str, Source] = {
    "client": "api",
    "token": "api",
    "cli": "cli",
    "facade": "facade",  # application code through app.facade (seed 002's service)
    "page": "page",
    "file": "file",
    "redbeat": "redbeat",
}
# A log line stays one readable line: this many fields, each value this long at most.
FIELDS_SHOWN = 6
VALUE_CHARS = 60
# A value shown bare when it is one plain word; anything else is quoted as JSON, so a
# space, a comma or an arrow inside it cannot be misread as the line's own punctuation.
PLAIN = re.compile(r"[^\s,→\"'()\[\]{}]+")
UNSET = "unset"


@dataclass(frozen=True)
class FieldChange:
    """One field of the spec document; `None` on a side means not set (its default)."""

    field: str
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class Change:
    """One applied write of one schedule, as the audit trail keeps it."""

    name: str
    action: Action
    actor: str
    changes: tuple[FieldChange, ...]
    at: float  # epoch seconds
    etag: str | None = None  # the version written; None once deleted
    id: str | None = None  # the stream id, once stored

    @property
    def source(self) -> Source:
        return source_of(self.actor)

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "action": self.action,
                "actor": self.actor,
                "changes": [[c.field, c.old, c.new] for c in self.changes],
                "at": self.at,
                "etag": self.etag,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str, stream_id: str | None = None) -> Change:
        data = json.loads(raw)
        return cls(
            name=data["name"],
            action=data["action"],
            actor=data["actor"],
            changes=tuple(FieldChange(f, o, n) for f, o, n in data["changes"]),
            at=float(data["at"]),
            etag=data.get("etag"),
            id=stream_id,
        )


def source_of(actor: str | None) -> Source:
    prefix = (actor or "").split(":", 1)[0]
    return SOURCES.get(prefix, "unknown")


def document_of(entry: Entry | None) -> dict[str, Any] | None:
    """An entry's spec document; for a foreign entry with no spec form, what it has."""
    if entry is None:
        return None
    if entry.spec is not None:
        return entry.spec.to_document()
    return {"task": entry.task, "args": entry.args, "kwargs": entry.kwargs}


def _flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects (policy, options, kwargs) as dotted fields: `policy.max_retries`."""
    flat: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def diff_documents(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> tuple[FieldChange, ...]:
    """Fields that differ, in the document's own order (new fields first, then gone ones)."""
    before, after = _flatten(old or {}), _flatten(new or {})
    names = list(after) + [k for k in before if k not in after]
    return tuple(
        FieldChange(k, _redacted(k, before.get(k)), _redacted(k, after.get(k)))
        for k in names
        if before.get(k) != after.get(k)
    )


SECRET_FIELDS = {f"policy.{name}" for name in SECRET_POLICY_FIELDS}


def _redacted(field: str, value: Any) -> Any:
    """A webhook URL carries its secret in the path (Slack's do): the audit trail and
    Beat's log keep its scheme and host only, enough to tell which service it names."""
    if field not in SECRET_FIELDS or not isinstance(value, str):
        return value
    return redacted_webhook(value)


def action_of(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> Action:
    if new is None:
        return "deleted"
    if old is None:
        return "created"
    changes = diff_documents(old, new)
    if [c.field for c in changes] == ["enabled"]:
        # `enabled` is left out of a document while true (its default).
        return "resumed" if changes[0].new in (None, True) else "paused"
    return "changed"


def change_of(
    name: str,
    old: Entry | None,
    new: Entry | None,
    actor: str | None,
    at: float,
) -> Change | None:
    """The Change from `old` to `new` (None for absent); None when nothing differs."""
    etag = new.etag if new is not None else None
    return change_from_documents(name, document_of(old), document_of(new), actor, at, etag)


def change_from_documents(
    name: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    actor: str | None,
    at: float,
    etag: str | None,
) -> Change | None:
    changes = diff_documents(before, after)
    if before is not None and after is not None and not changes:
        return None
    return Change(name, action_of(before, after), actor or "unknown", changes, at, etag)


def foreign_edit(entry: Entry) -> tuple[dict[str, Any] | None, dict[str, Any]] | None:
    """(what we last wrote, what is there) when RedBeat's own API rewrote the entry.

    Our `manager` field records a digest of the definition written with it; RedBeat's
    `save()` replaces the definition and leaves `manager` alone, so a mismatch is an
    edit made around this app. An entry with no `manager` was created that way (None
    before). None when the entry is as we wrote it.
    """
    manager: Any = None
    if entry.raw_manager is not None:
        try:
            manager = json.loads(entry.raw_manager)
        except ValueError:
            manager = None
        if isinstance(manager, dict) and manager.get("definition") == digest(entry.raw_definition):
            return None
    spec = manager.get("spec") if isinstance(manager, dict) else None
    before = _no_stars(spec) if isinstance(spec, dict) else None
    return before, _no_stars(document_of(entry) or {})


def _no_stars(doc: dict[str, Any]) -> dict[str, Any]:
    """RedBeat's crontab spells out all five fields; "*" is what an absent one means."""
    return {k: v for k, v in doc.items() if not (k in CRON_FIELDS and v == "*")}


def show_value(value: Any) -> str:
    if value is None:
        return UNSET
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if not (isinstance(value, str) and PLAIN.fullmatch(value)):
        text = json.dumps(text, ensure_ascii=False) if isinstance(value, str) else text
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def describe_fields(change: Change) -> str:
    """The diff in words: `hour 14→15, minute 30→0`; a new entry's fields as they are."""
    if change.action == "created":
        parts = [f"{c.field} {show_value(c.new)}" for c in change.changes]
    elif change.action == "changed":
        parts = [f"{c.field} {show_value(c.old)}→{show_value(c.new)}" for c in change.changes]
    else:
        parts = []  # paused, resumed, deleted say it all
    if len(parts) > FIELDS_SHOWN:
        parts = parts[:FIELDS_SHOWN] + [f"and {len(parts) - FIELDS_SHOWN} more"]
    return ", ".join(parts)


def describe(change: Change) -> str:
    """Beat's line for a change: `schedule 테스트_크롤링 changed: hour 14→15 (api)`,
    then who, unless the source already says it (`by client:127.0.0.1`)."""
    fields = describe_fields(change)
    text = f"schedule {change.name} {change.action}"
    text += f": {fields} ({change.source})" if fields else f" ({change.source})"
    if change.actor not in (change.source, "unknown"):
        text += f" by {change.actor}"
    return text


@dataclass
class ChangeBatch:
    """Changes gathered during one operation (a file sync), recorded in one round trip."""

    actor: str
    at: float
    changes: list[Change] = field(default_factory=list)

    def add(self, name: str, old: Entry | None, new: Entry | None) -> None:
        change = change_of(name, old, new, self.actor, self.at)
        if change is not None:
            self.changes.append(change)
