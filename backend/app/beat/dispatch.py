"""One Beat pass over due entries: what each fire writes and whether it sends.

The store loads a batch (`ScheduleStore.due`) and commits it (`commit_fires`); this
module only decides, without I/O. The commit comes before the send (as Celery's own
Scheduler does) and is fenced twice by the store: by the lock token, so a Beat that
lost leadership writes nothing, and by each entry's revision as loaded, so an entry
edited or deleted since is not fired from its old definition (the next pass reloads it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from celery.schedules import BaseSchedule
from celery.schedules import schedule as every

from app.core.constants import NEVER_SCORE
from app.schedules import (
    DueRow,
    Entry,
    FireArgs,
    RunRecord,
    encode_meta,
    encode_slot,
    fire_headers,
    new_task_id,
    next_fire,
    serve_fire,
)

log = logging.getLogger(__name__)

# A definition Beat cannot read is looked at again after this long, not every tick.
BROKEN_ENTRY_RETRY_SECONDS = 60.0
# Tolerance for float round trips through the zset scores.
EARLY_TOLERANCE_SECONDS = 0.001
# A fire sent this late or less is on time, whatever its catch-up window says: Beat's
# own lateness (a busy batch, a loop interval) is not an outage.
ON_TIME_SECONDS = 2.0
OVERLAP_MODES = {"skip": "skip", "allow": "allow", "buffer_one": "buffer"}


@dataclass(frozen=True)
class FirePolicy:
    """What planning needs beyond the entry: is history on, how long a queued fire
    holds its schedule."""

    history: bool = True
    stale_seconds: float = 6 * 3600.0


@dataclass
class Step:
    """One entry's commit (a FireCommit for the store) and, if it fires, what to send."""

    key: str
    revision: str
    score: float
    meta: str = ""  # empty: leave run state alone
    slot: str = ""  # with meta: the slot this fire serves (entry.encode_slot)
    entry: Entry | None = None  # set when this step may send a task
    served: datetime | None = None  # the slot it serves, for the message's headers
    fire: FireArgs | None = None  # what the commit records and the policy to apply
    headers: dict[str, Any] | None = None  # the fire's headers (fire_headers)


def _ts(moment: datetime | None) -> float:
    return NEVER_SCORE if moment is None else moment.timestamp()


def plan_step(
    key: str,
    due_score: float,
    entry: Entry,
    now: datetime,
    revision: str = "",
    policy: FirePolicy | None = None,
) -> Step:
    """`revision`: what the entry was loaded at (the store's row has it; computed if not)."""
    policy = policy or FirePolicy()
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
    missed, skipped_slots = _catchup(entry, due_at, served, following, now)
    count = entry.total_run_count if missed else entry.total_run_count + 1
    meta = encode_meta(now, count)
    step = Step(key, sha, _ts(following), meta, encode_slot(served, now), entry, served)
    step.headers = fire_headers(key, entry.name, served)
    step.fire = _fire_args(entry, step.headers, served, now, policy, missed, skipped_slots)
    return step


def _catchup(
    entry: Entry, due_at: datetime, served: datetime, following: datetime | None, now: datetime
) -> tuple[bool, int]:
    """(is the fire missed, how many earlier slots a catch-up run stands for).

    Slots that passed while no Beat ran collapse into one run (serve_fire). With a
    `catchup_window_seconds`, that run happens only if the latest missed slot is
    inside the window, which it can be when the first one is not (a daily job with a
    1 h window, Beat down from 08:00 to 09:30 the next day: that day's 09:00 is inside).
    """
    late = (now - due_at).total_seconds()
    collapsed = served != due_at
    if late <= ON_TIME_SECONDS and not collapsed:
        return False, 0
    after_due = next_fire(entry.schedule, due_at)
    period = (after_due - due_at).total_seconds() if after_due is not None else None
    skipped = int(late // period) if collapsed and period else 0
    if late <= ON_TIME_SECONDS:
        # Counted even when on time: a 1 s schedule sent 1.5 s late collapses a slot,
        # which would otherwise vanish from history.
        return False, skipped
    policy = entry.spec.policy if entry.spec is not None else None
    window = policy.catchup_window_seconds if policy is not None else None
    if window is None or late <= window:
        return False, skipped
    if collapsed and _a_slot_within(entry.schedule, due_at, now, window, period):
        return False, skipped
    return True, skipped + 1


def _a_slot_within(
    sched: BaseSchedule, due_at: datetime, now: datetime, window: float, period: float | None
) -> bool:
    """Whether a slot of `sched` fell in the last `window` seconds before `now`.

    A plain interval's slots are `due_at` plus whole periods (its own next_fire counts
    from any moment given); other timings name their next slot after any moment.
    """
    if isinstance(sched, every):
        return period is not None and (now - due_at).total_seconds() % period <= window
    probe = next_fire(sched, now - timedelta(seconds=window, microseconds=1))
    return probe is not None and probe <= now


def _fire_args(
    entry: Entry,
    headers: dict[str, Any],
    served: datetime,
    now: datetime,
    policy: FirePolicy,
    missed: bool,
    skipped_slots: int,
) -> FireArgs:
    task_id = new_task_id()
    if not policy.history:
        return FireArgs("plain", entry.name, task_id, 0, 0, "", "")
    rule = entry.spec.policy if entry.spec is not None else None
    rec = RunRecord(
        schedule=entry.name,
        fire_id=headers["fire_id"],
        task=entry.task,
        scheduled_at=served.timestamp(),
        outcome="missed" if missed else "sent",
        task_id=None if missed else task_id,
        sent_at=None if missed else now.timestamp(),
        reason="catchup_window" if missed else None,
        missed_count=skipped_slots or None,
    )
    mode = "missed" if missed else OVERLAP_MODES[rule.overlap if rule else "skip"]
    return FireArgs(
        mode,
        entry.name,
        task_id,
        now.timestamp() + policy.stale_seconds,
        rule.min_gap_seconds if rule else 0.0,
        (rule.lock_key or "") if rule else "",
        rec.to_json(),
    )


def plan_batch(rows: list[DueRow], now: datetime, policy: FirePolicy | None = None) -> list[Step]:
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
            steps.append(plan_step(row.key, row.score, row.entry, now, row.revision, policy))
    return steps
