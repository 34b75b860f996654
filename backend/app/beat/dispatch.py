"""One Beat pass over due entries: what each fire writes and whether it sends.

The store loads a batch (`ScheduleStore.due`) and commits it (`commit_fires`); this
module only decides, without I/O. The commit comes before the send (as Celery's own
Scheduler does) and is fenced twice by the store: by the lock token, so a Beat that
lost leadership writes nothing, and by each entry's revision as loaded, so an entry
edited or deleted since is not fired from its old definition (the next pass reloads it).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.constants import NEVER_SCORE
from app.schedules import DueRow, Entry, encode_meta, encode_slot, next_fire, serve_fire

log = logging.getLogger(__name__)

# A definition Beat cannot read is looked at again after this long, not every tick.
BROKEN_ENTRY_RETRY_SECONDS = 60.0
# Tolerance for float round trips through the zset scores.
EARLY_TOLERANCE_SECONDS = 0.001
# Fire ids are name-based UUIDs in a namespace of their own (any fixed UUID will do).
FIRE_ID_NAMESPACE = uuid.UUID("5b7c9f0e-2d1a-4c3b-9e8f-6a5d4c3b2a19")


@dataclass
class Step:
    """One entry's commit (a FireCommit for the store) and, if it fires, what to send."""

    key: str
    revision: str
    score: float
    meta: str = ""  # empty: leave run state alone
    slot: str = ""  # with meta: the slot this fire serves (entry.encode_slot)
    entry: Entry | None = None  # set when this step sends a task
    served: datetime | None = None  # the slot it serves, for the message's headers


def _ts(moment: datetime | None) -> float:
    return NEVER_SCORE if moment is None else moment.timestamp()


def plan_step(key: str, due_score: float, entry: Entry, now: datetime, revision: str = "") -> Step:
    """`revision`: what the entry was loaded at (the store's row has it; computed if not)."""
    sha = revision or entry.revision
    if not entry.enabled:
        return Step(key, sha, NEVER_SCORE)
    since = entry.rhythm_from
    if since is not None:
        # The score may be early (stock RedBeat truncates it to whole seconds) or stale:
        # the entry's own schedule has the last word on whether it is due yet.
        expected = next_fire(entry.schedule, since)
        if expected is None:
            return Step(key, sha, NEVER_SCORE)
        if expected.timestamp() > now.timestamp() + EARLY_TOLERANCE_SECONDS:
            return Step(key, sha, expected.timestamp())
    due_at = datetime.fromtimestamp(max(due_score, 0), UTC)
    # Run state records the send time (as RedBeat does) and the slot served: the check
    # above counts from the slot, since a send time late by a few ms would push an
    # interval later with every fire.
    served, following = serve_fire(entry.schedule, due_at, now)
    meta = encode_meta(now, entry.total_run_count + 1)
    return Step(key, sha, _ts(following), meta, encode_slot(served, now), entry, served)


def fire_headers(key: str, name: str, served: datetime) -> dict[str, Any]:
    """The headers of a fire's task message, so the broker, the worker and the logs can
    tie a run to its schedule and slot. The fire id is derived from the entry and the
    slot, so one slot sent twice (which the fenced commit should make impossible) would
    show as one id twice, not as two unrelated runs."""
    scheduled_at = served.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {
        "celery_beat_task": True,
        "schedule": name,
        "scheduled_at": scheduled_at,
        "fire_id": str(uuid.uuid5(FIRE_ID_NAMESPACE, f"{key}|{scheduled_at}")),
    }


def plan_batch(rows: list[DueRow], now: datetime) -> list[Step]:
    steps = []
    for row in rows:
        if row.error is not None:
            log.error(
                "beat: cannot read schedule %r; leaving it for %ds. Fix or delete it.",
                row.key,
                BROKEN_ENTRY_RETRY_SECONDS,
                exc_info=row.error,
            )
            # Fenced on what is there, so a fix made meanwhile is not overwritten.
            steps.append(Step(row.key, row.revision, now.timestamp() + BROKEN_ENTRY_RETRY_SECONDS))
        elif row.entry is None:
            log.warning(
                "beat: %r is in the schedule index but its hash is gone; dropping it", row.key
            )
            steps.append(Step(row.key, "", NEVER_SCORE))
        else:
            steps.append(plan_step(row.key, row.score, row.entry, now, row.revision))
    return steps
