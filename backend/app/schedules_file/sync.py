"""Reconcile schedules.json into Redis by the file-versus-API rules (docs/design.md).

- an entry new in the file is created; one whose definition *in the file* changed since
  the last sync is updated (run state kept); one removed from the file is deleted;
- API-managed entries are never touched, and an API edit of a file-managed entry stays
  until that entry is edited in the file again;
- a file-managed entry that vanished from Redis is recreated.

What "changed in the file" means is kept in the store's file index (name -> digest of
the file definition last applied, or a tombstone; see FileMark). Only the Beat that
holds the lock calls this (and the CLI's `apply`, which an operator runs on purpose).
Every read and write goes through the store.

A file is decided against the file index without decoding any entry (plan.py), then
written CHUNK entries per transaction (store.write_file_chunk): a 100,000-entry file
applies in seconds, and a save that edits one entry of it writes one entry. Between
chunks the caller's `keep_alive` is asked whether it still holds its lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.config import get_settings
from app.schedules import (
    ChangeBatch,
    Problem,
    ScheduleSpec,
    ScheduleStore,
    TaskRegistry,
    TooManySchedules,
)
from app.schedules_file.format import FileError, FileSchedules, cyclic_gc_paused, load_file
from app.schedules_file.plan import FileWrite, Memory, Plan, plan_changes, plan_full

log = logging.getLogger(__name__)
# An unforeseen error's text, as recorded in the sync state.
MAX_ERROR_CHARS = 300


# Entries per transaction: one WATCH, one read and one MULTI/EXEC each (about 50 ms at
# 500), and the most a lost lock can leave applied past its last renewal.
CHUNK = 500
# Names a log line lists before it only counts the rest.
NAMES_LOGGED = 20

# Called between chunks; False means the caller lost its right to write (Beat's lock),
# and the sync stops there.
KeepAlive = Callable[[], bool]


class _Stopped(Exception):
    """keep_alive said no: the sync ends between two chunks."""


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    recreated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    # keep_alive said no: what is listed was applied, the rest was not looked at.
    stopped: bool = False

    def counts(self) -> dict[str, int]:
        return {f.name: len(getattr(self, f.name)) for f in fields(self) if f.name != "stopped"}


def reconcile(
    store: ScheduleStore,
    specs: Mapping[str, ScheduleSpec],
    actor: str = "file",
    digests: Mapping[str, str] | None = None,
    keep_alive: KeepAlive | None = None,
    full: bool = True,
) -> SyncReport:
    """Apply a valid file's specs (see plan_sync for `full`)."""
    digests = digests or {name: spec.digest() for name, spec in specs.items()}
    return apply_plan(store, plan_sync(store, specs, digests, full), actor, keep_alive)


def plan_sync(
    store: ScheduleStore,
    specs: Mapping[str, ScheduleSpec],
    digests: Mapping[str, str],
    full: bool,
    routine: bool = False,
) -> Plan:
    """How much a sync looks at before it writes (each level finds more, at more cost;
    figures at 100,000 entries on a busy 2-core machine):

    - `full` (taking the lock, the CLI's apply): the whole file index, and every entry
      the file manages read, so one Redis holds but nothing can read is rewritten
      (a few seconds);
    - `routine` (the periodic re-read): the whole file index, and Redis asked which
      entries it holds, so one lost from Redis is recreated (a second or two);
    - neither (a save of the file): only the entries that differ from what this
      process last applied, when the last sync recorded in Redis is its own (plan.py;
      a tenth of a second), else as `routine`.
    """
    if full or routine:
        return plan_full(store, specs, digests, read_all=full)
    applied = Memory.valid_for(store, store.read_sync_state())
    if applied is not None:
        return plan_changes(store, specs, digests, applied)
    return plan_full(store, specs, digests, read_all=False)


def apply_plan(
    store: ScheduleStore, plan: Plan, actor: str, keep_alive: KeepAlive | None = None
) -> SyncReport:
    """Write a plan, CHUNK entries per transaction, creates and updates first, then
    deletes. Raises TooManySchedules when an API create took the last places
    meanwhile (what was written stays, recorded as any sync's writes)."""
    report = SyncReport(unchanged=plan.unchanged, kept_deleted=plan.kept_deleted)
    # The audit trail: each change the sync makes, recorded as made by `actor` ("file"
    # for Beat's own sync, the operator for a CLI `apply`).
    at = time.time()
    try:
        for start in range(0, len(plan.writes), CHUNK):
            _check_alive(keep_alive, start)
            _write_chunk(store, plan, plan.writes[start : start + CHUNK], report, actor, at)
        for start in range(0, len(plan.gone), CHUNK):
            _check_alive(keep_alive, start + len(plan.writes))
            dropped = store.drop_file_chunk(plan.gone[start : start + CHUNK])
            report.deleted += [e.name for e in dropped]
            gone = ChangeBatch(actor, at)
            for entry in dropped:
                gone.add(entry.name, entry, None)
            store.record_changes(gone.changes)
    except _Stopped:
        report.stopped = True
    _log_takeovers(report)
    return report


def _check_alive(keep_alive: KeepAlive | None, done: int) -> None:
    if done and keep_alive is not None and not keep_alive():
        raise _Stopped


def _write_chunk(
    store: ScheduleStore,
    plan: Plan,
    chunk: list[FileWrite],
    report: SyncReport,
    actor: str,
    at: float,
) -> None:
    result = store.write_file_chunk(chunk, actor, at)
    for done in result.written:
        if done.before is not None:
            report.updated.append(done.name)
            if done.before.origin != "file":
                _log_origin(done.name, done.before.origin)
        elif done.name in plan.marked:
            report.recreated.append(done.name)
        else:
            report.created.append(done.name)
    if result.refused is not None:
        raise TooManySchedules(result.refused, get_settings().max_schedules)


def _log_origin(name: str, origin: str) -> None:
    log.warning(
        "schedules.json now manages %r, which was %s-managed: the file's definition "
        "replaces it (run state kept)",
        name,
        origin,
    )


def _log_takeovers(report: SyncReport) -> None:
    """One line for the entries recreated, however many (a flushed Redis loses them all)."""
    names = report.recreated
    if names:
        shown = ", ".join(repr(n) for n in names[:NAMES_LOGGED])
        more = f" and {len(names) - NAMES_LOGGED} more" if len(names) > NAMES_LOGGED else ""
        log.warning(
            "schedules.json: %d entr%s missing from Redis (flushed or evicted?); "
            "recreated from the file: %s%s",
            len(names),
            "y was" if len(names) == 1 else "ies were",
            shown,
            more,
        )


def check_room(store: ScheduleStore, loaded: FileSchedules) -> None:
    """Raises FileError when applying the file would take Redis past MAX_SCHEDULES: the
    whole file is then refused, as an invalid one is, rather than half applied. The
    sync creates before it deletes, so the new entries must fit beside the old ones
    (each chunk that creates checks the cap again in its own transaction, against
    racing API creates)."""
    count, names = store.count(), list(loaded.digests)
    if count + len(names) <= get_settings().max_schedules:
        return  # room for all of them, whatever Redis holds already
    index = store.file_index()
    present = store.present(names)
    creates = [
        name
        for name in names
        if name not in present
        and not ((m := index.get(name)) and m.deleted and m.digest == loaded.digests[name])
    ]
    _refuse_past_cap(store, loaded, len(creates), count)


def _refuse_past_cap(
    store: ScheduleStore, loaded: FileSchedules, creates: int, count: int | None = None
) -> None:
    limit = get_settings().max_schedules
    total = (store.count() if count is None else count) + creates
    if creates and total > limit:
        problem = Problem(
            "schedules",
            len(loaded.digests),
            f"applying it would make {total} schedules, more than MAX_SCHEDULES ({limit})",
        )
        raise FileError(loaded.path, str(problem.message), [problem])


def _record_refusal(
    store: ScheduleStore, path: Path, message: str, problems: list[Problem]
) -> None:
    record_state(
        store,
        {
            "ok": False,
            "path": str(path),
            "error": message,
            "problems": [
                {"field": p.field, "value": p.value, "message": p.message} for p in problems
            ],
            "checked_at": _now(),
        },
    )


def record_failed_sync(store: ScheduleStore, path: Path, exc: Exception) -> None:
    """A sync that failed in a way no check foresaw, recorded as a refused file, so
    status and check_schedules.sh report it as they report an invalid one."""
    text = f"{type(exc).__name__}: {exc}"
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS] + "…"
    _record_refusal(store, path, f"could not be applied ({text})", [])


def _now() -> str:
    return datetime.now(UTC).isoformat()


def record_state(store: ScheduleStore, state: dict[str, Any]) -> None:
    store.write_sync_state(state)


def read_state(store: ScheduleStore) -> dict[str, Any] | None:
    """The result of the last sync, or None if none ran yet."""
    return store.read_sync_state()


def sync_file(
    store: ScheduleStore,
    path: Path,
    registry: TaskRegistry,
    routine: bool = False,
    actor: str = "file",
    keep_alive: KeepAlive | None = None,
    loaded: FileSchedules | None = None,
    full: bool = True,
) -> SyncReport | None:
    """Validate the whole file, then reconcile; an invalid file changes nothing.

    `routine`: a periodic re-read nothing prompted; if it changes nothing, its line is
    logged at DEBUG (at INFO it would be 8,640 lines a day saying nothing). A sync on
    start, on a save, or one that changed something is logged at INFO.
    `keep_alive`: asked between chunks (see KeepAlive); when it says no, the report
    comes back with `stopped` set and the sync state is left as the last full sync
    recorded it. `loaded`: the file as the caller just read and checked it (the CLI),
    so it is not read twice. `full` and `routine`: how much the sync reads before it
    writes (plan_sync); Beat passes `full` only when it takes the lock, so one edit in
    a large file applies at once.
    """
    with cyclic_gc_paused():
        return _sync(store, path, registry, routine, actor, keep_alive, loaded, full)


def _sync(
    store: ScheduleStore,
    path: Path,
    registry: TaskRegistry,
    routine: bool,
    actor: str,
    keep_alive: KeepAlive | None,
    loaded: FileSchedules | None,
    full: bool,
) -> SyncReport | None:
    try:
        loaded = loaded or load_file(path, registry, store)
        plan = plan_sync(store, loaded.specs, loaded.digests, full, routine)
        if plan.counted:
            _refuse_past_cap(store, loaded, plan.creates)
        else:
            check_room(store, loaded)
    except FileError as exc:
        log.error("schedules.json not applied, nothing changed: %s", exc)
        _record_refusal(store, path, exc.message, exc.problems)
        return None
    Memory.forget()  # until this sync is recorded whole
    try:
        report = apply_plan(store, plan, actor, keep_alive)
    except TooManySchedules as exc:
        # An API create took the last places after check_room looked.
        log.error("schedules.json applied only in part: %s", exc)
        _record_refusal(store, path, str(exc), exc.problems)
        return None
    _log_and_record(store, path, loaded, report, routine)
    return report


def _log_and_record(
    store: ScheduleStore, path: Path, loaded: FileSchedules, report: SyncReport, routine: bool
) -> None:
    counts = report.counts()
    changed = {k: v for k, v in counts.items() if v and k != "unchanged"}
    if report.stopped:
        log.warning(
            "schedules.json sync stopped, the lock was lost (%d entries): applied so far %s; "
            "the Beat that holds the lock now applies the rest",
            len(loaded.digests),
            changed or "nothing",
        )
        return
    log.log(
        logging.DEBUG if routine and not changed else logging.INFO,
        "schedules.json applied (%d entries): %s",
        len(loaded.digests),
        changed or "no changes",
    )
    sync_id = Memory.new_id()
    record_state(
        store,
        {
            "ok": True,
            "path": str(path),
            "digest": loaded.digest,
            "counts": counts,
            "checked_at": _now(),
            "applied_at": _now(),
            "sync_id": sync_id,
        },
    )
    Memory.remember(store, sync_id, loaded.digests, report.kept_deleted)
