"""One schedule as stored: RedBeat's `definition` and `meta` fields plus our `manager`.

`definition` stays in RedBeat's own format so stock RedBeat code can read and delete our
entries. `manager` holds what RedBeat cannot express (timezone, anchor, description,
policy, origin). It records a digest of the definition it was written with: if the two
disagree, someone edited the entry with RedBeat's own API, and the definition wins.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from celery import Celery
from celery.schedules import BaseSchedule, crontab
from celery.schedules import schedule as every
from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder

from app.core.constants import FIELD_DEFINITION, FIELD_MANAGER, FIELD_META, FIELD_SLOT
from app.schedules.errors import InvalidSchedule, Problem
from app.schedules.keys import entry_key, name_from_key
from app.schedules.spec import ScheduleSpec, parse_spec
from app.schedules.timing import build_schedule, due_for_beat

Origin = Literal["file", "api", "redbeat"]
FIELDS = (FIELD_DEFINITION, FIELD_META, FIELD_MANAGER, FIELD_SLOT)
# Float round trips of a send time through JSON and the slot field agree within this.
SLOT_MATCH_SECONDS = 1e-3


@dataclass
class Entry:
    """What Beat sends and what the API shows; duck-types Celery's ScheduleEntry."""

    name: str
    task: str
    args: list[Any]
    kwargs: dict[str, Any]
    options: dict[str, Any]
    enabled: bool
    schedule: BaseSchedule
    spec: ScheduleSpec | None  # None: a foreign entry whose timing has no spec form
    origin: Origin
    last_run_at: datetime | None
    total_run_count: int
    raw_definition: str
    raw_manager: str | None = None
    # The due-time index score; None when paused or finished. Shown: `due_at`.
    next_run_at: datetime | None = None
    # The slot the last fire served (ours only; RedBeat's own writes leave it out).
    last_slot: datetime | None = None

    @property
    def rhythm_from(self) -> datetime | None:
        """What the next slot counts from: the slot last served, not its send time, so
        an interval does not drift by Beat's lateness; RedBeat's entries have only
        `last_run_at`."""
        return self.last_slot or self.last_run_at

    @property
    def due_at(self) -> datetime | None:
        """When Beat will send the task next (the score can be early, see due_for_beat)."""
        return due_for_beat(self.schedule, self.next_run_at, self.rhythm_from)

    @property
    def last_sent_at(self) -> datetime | None:
        """When Beat last sent the task; None if it never did.

        `last_run_at` is the reference Beat counts the next slot from, and RedBeat's own
        `save()` sets it to the time of saving with no run count: that is not a run.
        """
        return self.last_run_at if self.total_run_count > 0 else None

    @property
    def key(self) -> str:
        return entry_key(self.name)

    @property
    def etag(self) -> str:
        return etag_of(self.raw_definition, self.raw_manager)

    @property
    def revision(self) -> str:
        """What Beat's commit compares: any edit of definition or manager changes it."""
        return revision_of(self.raw_definition, self.raw_manager)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def revision_of(raw_definition: str | None, raw_manager: str | None) -> str:
    """sha1 of definition + manager: the same value Redis's Lua `sha1hex` computes."""
    if not raw_definition:
        return ""
    return hashlib.sha1((raw_definition + (raw_manager or "")).encode()).hexdigest()


def etag_of(raw_definition: str | None, raw_manager: str | None) -> str:
    return revision_of(raw_definition, raw_manager)[:16]


def _dumps(value: Any) -> str:
    return json.dumps(value, cls=RedBeatJSONEncoder, ensure_ascii=False)


def encode(
    name: str, spec: ScheduleSpec, origin: Origin, default_tz: str, app: Celery
) -> dict[str, str]:
    """The `definition` and `manager` fields for a spec (meta is Beat's to write)."""
    definition = _dumps(
        {
            "name": name,
            "task": spec.task,
            "args": spec.args,
            "kwargs": spec.kwargs,
            "options": spec.options.model_dump(exclude_none=True),
            "schedule": build_schedule(spec, default_tz, app),
            "enabled": spec.enabled,
        }
    )
    manager = {"spec": spec.to_document(), "origin": origin, "definition": digest(definition)}
    return {FIELD_DEFINITION: definition, FIELD_MANAGER: json.dumps(manager, ensure_ascii=False)}


def encode_meta(last_run_at: datetime | None, total_run_count: int) -> str:
    """RedBeat's `meta` text. Beat writes one per fire, so the datetime is laid out
    here as RedBeatJSONEncoder lays it out, and the standard encoder (no per-call
    encoder class) writes the text: the same bytes, at a fraction of the cost."""
    when = None if last_run_at is None else _redbeat_datetime(last_run_at)
    return json.dumps({"last_run_at": when, "total_run_count": total_run_count}, ensure_ascii=False)


def _redbeat_datetime(moment: datetime) -> dict[str, Any]:
    """RedBeatJSONEncoder's form of a datetime (redbeat/decoder.py)."""
    zone = moment.tzinfo
    timezone: Any
    if zone is None:
        timezone = "UTC"
    elif hasattr(zone, "key"):
        timezone = zone.key
    else:
        offset = moment.utcoffset()
        assert offset is not None
        timezone = offset.total_seconds()
    return {
        "__type__": "datetime",
        "year": moment.year,
        "month": moment.month,
        "day": moment.day,
        "hour": moment.hour,
        "minute": moment.minute,
        "second": moment.second,
        "microsecond": moment.microsecond,
        "timezone": timezone,
    }


def decode_meta(raw: str | None) -> tuple[datetime | None, int]:
    if not raw:
        return None, 0
    meta = json.loads(raw, cls=RedBeatJSONDecoder)
    return meta.get("last_run_at"), int(meta.get("total_run_count") or 0)


def encode_slot(slot: datetime, sent: datetime) -> str:
    """The `slot` field: the slot a fire served and the send time recorded with it."""
    return f"{slot.timestamp()!r}|{sent.timestamp()!r}"


def decode_slot(raw: str | None, last_run_at: datetime | None) -> datetime | None:
    """The slot the last fire served, if the `slot` field belongs to that fire.

    A run state rewritten since (RedBeat's own `save()` stamps `last_run_at` anew and
    does not know this field) makes the field stale; then None.
    """
    if not raw or last_run_at is None:
        return None
    slot, _, sent = raw.partition("|")
    try:
        if abs(float(sent) - last_run_at.timestamp()) > SLOT_MATCH_SECONDS:
            return None
        return datetime.fromtimestamp(float(slot), UTC)
    except ValueError:
        return None


class SharedParts:
    """What many entries' fields decode to alike, kept for Beat's reads (`decode`'s
    `shared`): the spec and schedule object of a spec text, and the decoded definition
    of a RedBeat-written definition (its name aside). A burst of entries with a few
    distinct timings then validates and builds each timing once, not once per entry.

    What it hands out is shared between entries, so only a reader that changes no
    Entry's spec, schedule, args, kwargs or options may pass one: Beat's load does.
    Bounded: cleared when it holds `size` texts.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._ours: dict[str, tuple[ScheduleSpec, BaseSchedule]] = {}
        self._foreign: dict[str, tuple[dict[str, Any], ScheduleSpec | None]] = {}

    def ours(
        self, key: str, spec_doc: Any, default_tz: str, app: Celery
    ) -> tuple[ScheduleSpec, BaseSchedule]:
        text = default_tz + json.dumps(spec_doc, sort_keys=True)
        found = self._ours.get(text)
        if found is None:
            spec = parse_spec(spec_doc, stored=True)
            found = (spec, _build_stored(key, spec, default_tz, app))
            self._keep(self._ours, text, found)
        return found

    def foreign(
        self, raw_definition: str, app: Celery
    ) -> tuple[dict[str, Any], ScheduleSpec | None]:
        plain = json.loads(raw_definition)
        name = plain.pop("name", None)
        text = json.dumps(plain, sort_keys=True)
        found = self._foreign.get(text)
        if found is None:
            found = _decode_foreign(raw_definition, app)
            self._keep(self._foreign, text, found)
        return {**found[0], "name": name}, found[1]

    def _keep(self, table: dict[str, Any], text: str, value: Any) -> None:
        if len(table) >= self.size:
            table.clear()
        table[text] = value


def _decode_foreign(raw_definition: str, app: Celery) -> tuple[dict[str, Any], ScheduleSpec | None]:
    definition = json.loads(raw_definition, cls=RedBeatJSONDecoder)
    definition["schedule"].app = app
    return definition, _foreign_spec(definition)


def decode(
    key: str,
    fields: list[str | None],
    default_tz: str,
    app: Celery,
    shared: SharedParts | None = None,
) -> Entry | None:
    """An Entry from HMGET key definition meta manager slot (`FIELDS`); None if the hash
    is gone. Three fields (no slot) are read as an entry no Beat of ours has fired.
    `shared`: see SharedParts (Beat's reads only)."""
    raw_definition, raw_meta, raw_manager = fields[:3]
    if not raw_definition:
        return None
    last_run_at, count = decode_meta(raw_meta)
    last_slot = decode_slot(fields[3] if len(fields) > 3 else None, last_run_at)
    manager = json.loads(raw_manager) if raw_manager else None
    spec: ScheduleSpec | None
    if manager and manager.get("definition") == digest(raw_definition):
        # Plain JSON: the schedule object is rebuilt from the spec, not decoded twice.
        definition = json.loads(raw_definition)
        if shared is not None:
            spec, sched = shared.ours(key, manager["spec"], default_tz, app)
        else:
            spec = parse_spec(manager["spec"], stored=True)
            sched = _build_stored(key, spec, default_tz, app)
        origin: Origin = manager.get("origin", "api")
    else:
        if shared is not None:
            definition, spec = shared.foreign(raw_definition, app)
        else:
            definition, spec = _decode_foreign(raw_definition, app)
        sched = definition["schedule"]
        origin = manager.get("origin", "redbeat") if manager else "redbeat"
    return Entry(
        name=definition.get("name") or name_from_key(key),
        task=definition["task"],
        args=list(definition.get("args") or []),
        kwargs=dict(definition.get("kwargs") or {}),
        options=dict(definition.get("options") or {}),
        enabled=bool(definition.get("enabled", True)),
        schedule=sched,
        spec=spec,
        origin=origin,
        last_run_at=last_run_at,
        total_run_count=count,
        raw_definition=raw_definition,
        raw_manager=raw_manager,
        last_slot=last_slot,
    )


def _build_stored(key: str, spec: ScheduleSpec, default_tz: str, app: Celery) -> BaseSchedule:
    try:
        return build_schedule(spec, default_tz, app)
    except (ValueError, TypeError) as exc:  # only a hand-edited manager field gets here
        problem = Problem("timing", key, f"stored timing is unreadable: {exc}")
        raise InvalidSchedule([problem]) from exc


def _foreign_spec(definition: dict[str, Any]) -> ScheduleSpec | None:
    """The spec of an entry written by RedBeat's own API, where its timing has one."""
    sched = definition["schedule"]
    timing: dict[str, Any]
    if isinstance(sched, crontab):
        timing = {
            "minute": sched._orig_minute,
            "hour": sched._orig_hour,
            "day_of_week": sched._orig_day_of_week,
            "day_of_month": sched._orig_day_of_month,
            "month_of_year": sched._orig_month_of_year,
        }
        timing = {k: str(v) for k, v in timing.items()}
    elif isinstance(sched, every):
        timing = {"interval": max(sched.run_every.total_seconds(), 1)}
    else:
        return None
    options = definition.get("options") or {}
    raw = {
        "options": {k: options[k] for k in ("queue", "priority", "expires") if k in options},
        "task": definition["task"],
        "args": list(definition.get("args") or []),
        "kwargs": dict(definition.get("kwargs") or {}),
        "enabled": bool(definition.get("enabled", True)),
        **timing,
    }
    try:
        return parse_spec(raw)
    except InvalidSchedule:
        return None


def overdue_by(entry: Entry, now: datetime) -> timedelta | None:
    """How late an enabled entry's due time is, if it is in the past."""
    due = entry.due_at if entry.enabled else None
    if due is None or due > now:
        return None
    return now - due
