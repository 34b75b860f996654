"""The `definition` and `manager` fields of many entries, as app.schedules.entry.encode
writes them, byte for byte, at half the cost.

encode() builds each entry's schedule object and lets RedBeat's JSON encoder turn it
into JSON again; in a file of 100,000 entries with a few hundred timings that is most
of the time spent writing an entry. Here the schedule's JSON, and the options', are
made once per distinct value and spliced into the definition, which is otherwise
dumped as encode() dumps it (same key order, separators and ensure_ascii=False; args
and kwargs are plain JSON, ScheduleSpec checks that). tests/unit/schedules_file/
test_bulk_codec.py holds the two to the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from celery import Celery
from redbeat.decoder import RedBeatJSONEncoder

from app.core.constants import FIELD_DEFINITION, FIELD_MANAGER
from app.schedules.entry import Origin, digest
from app.schedules.spec import CRON_FIELDS, ScheduleSpec
from app.schedules.timing import build_schedule

# The spec fields a schedule object is built from.
_SCHEDULE_FIELDS = (*CRON_FIELDS, "cron", "interval", "anchor", "at", "timezone")
# Distinct timings and option sets remembered; past it, the memory starts over.
MEMO_SIZE = 50_000


class FieldEncoder:
    """Remembers the JSON of schedules and options already seen; one per store."""

    def __init__(self, default_tz: str, app: Celery) -> None:
        self.default_tz = default_tz
        self.app = app
        self._schedules: dict[tuple[Any, ...], str] = {}
        self._options: dict[tuple[Any, ...], str] = {}

    def encode(
        self, name: str, spec: ScheduleSpec, origin: Origin, document: dict[str, Any]
    ) -> dict[str, str]:
        """What entry.encode returns; `document` is spec.to_document(), which the
        caller needs too."""
        head = json.dumps(
            {"name": name, "task": spec.task, "args": spec.args, "kwargs": spec.kwargs},
            ensure_ascii=False,
        )
        definition = (
            f'{head[:-1]}, "options": {self._options_json(spec)}, '
            f'"schedule": {self._schedule_json(spec)}, '
            f'"enabled": {"true" if spec.enabled else "false"}}}'
        )
        manager = {"spec": document, "origin": origin, "definition": digest(definition)}
        return {
            FIELD_DEFINITION: definition,
            FIELD_MANAGER: json.dumps(manager, ensure_ascii=False),
        }

    def _schedule_json(self, spec: ScheduleSpec) -> str:
        key = tuple(getattr(spec, f) for f in _SCHEDULE_FIELDS)
        found = self._schedules.get(key)
        if found is None:
            sched = build_schedule(spec, self.default_tz, self.app)
            found = json.dumps(sched, cls=RedBeatJSONEncoder, ensure_ascii=False)
            _remember(self._schedules, key, found)
        return found

    def _options_json(self, spec: ScheduleSpec) -> str:
        options = spec.options
        key = (options.queue, options.priority, options.expires)
        found = self._options.get(key)
        if found is None:
            found = json.dumps(options.model_dump(exclude_none=True), ensure_ascii=False)
            _remember(self._options, key, found)
        return found


def _remember(memo: dict[tuple[Any, ...], str], key: tuple[Any, ...], value: str) -> None:
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = value
