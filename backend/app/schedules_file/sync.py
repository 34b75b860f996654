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
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.config import get_settings
from app.schedules import (
    ChangeBatch,
    Entry,
    FileMark,
    Problem,
    ScheduleSpec,
    ScheduleStore,
    TaskRegistry,
    TooManySchedules,
)
from app.schedules_file.format import FileError, FileSchedules, load_file

log = logging.getLogger(__name__)
# An unforeseen error's text, as recorded in the sync state.
MAX_ERROR_CHARS = 300


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    recreated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in asdict(self).items()}


def _plan_entry(spec: ScheduleSpec, previous: FileMark | None, exists: bool) -> str:
    """Which action one file entry needs; see the module docstring for the rules."""
    file_digest = spec.digest()
    if previous is not None and previous.deleted:
        if previous.digest == file_digest:
            return "kept_deleted"  # deleted through the API; the file has not changed since
        return "recreated" if not exists else "updated"
    if not exists:
        return "created" if previous is None else "recreated"
    return "unchanged" if previous and previous.digest == file_digest else "updated"


def reconcile(
    store: ScheduleStore, specs: dict[str, ScheduleSpec], actor: str = "file"
) -> SyncReport:
    index = store.file_index()
    current = store.get_many(set(specs) | set(index))
    report = SyncReport()
    new_index: dict[str, FileMark] = {}
    # The audit trail: each change the sync makes, recorded as made by `actor` ("file"
    # for Beat's own sync, the operator for a CLI `apply`).
    audit = ChangeBatch(actor, time.time())
    try:
        for name, spec in specs.items():
            _apply_entry(store, name, spec, index, current, report, new_index, audit)
    except TooManySchedules:
        # An API create took the last places after check_room looked: the entries
        # saved so far stay. Record them (audit trail, file marks) as any sync would,
        # so the next sync sees them as applied; nothing is deleted.
        store.apply_file_plan([], {**index, **new_index}, index)
        store.record_changes(audit.changes)
        raise
    # Only entries the file still manages; each is dropped only if it has not changed
    # since it was read here (the API may delete and re-create it meanwhile).
    gone = [
        current[n] for n in index if n not in specs and n in current and current[n].origin == "file"
    ]
    dropped = store.apply_file_plan(gone, new_index, index)
    for name in dropped:
        audit.add(name, current[name], None)
    report.deleted += dropped
    store.record_changes(audit.changes)
    return report


def _apply_entry(
    store: ScheduleStore,
    name: str,
    spec: ScheduleSpec,
    index: dict[str, FileMark],
    current: dict[str, Entry],
    report: SyncReport,
    new_index: dict[str, FileMark],
    audit: ChangeBatch,
) -> None:
    action = _plan_entry(spec, index.get(name), name in current)
    getattr(report, action).append(name)
    if action == "kept_deleted":
        new_index[name] = index[name]
        return
    if action == "updated" and current[name].origin != "file":
        log.warning(
            "schedules.json now manages %r, which was %s-managed: the file's definition "
            "replaces it (run state kept)",
            name,
            current[name].origin,
        )
    if action in ("created", "recreated", "updated"):
        audit.add(name, current.get(name), store.save(name, spec, origin="file"))
    if action == "recreated":
        log.warning(
            "schedules.json: entry %r was missing from Redis (flushed or evicted?); "
            "recreated it from the file",
            name,
        )
    new_index[name] = FileMark(spec.digest())


def check_room(store: ScheduleStore, loaded: FileSchedules) -> None:
    """Raises FileError when applying the file would take Redis past MAX_SCHEDULES: the
    whole file is then refused, as an invalid one is, rather than half applied. The
    sync creates before it deletes, so the new entries must fit beside the old ones
    (each create checks the cap again in its own transaction, against racing API
    creates)."""
    index = store.file_index()
    current = store.get_many(set(loaded.specs))
    creates = [
        name
        for name, spec in loaded.specs.items()
        if name not in current and _plan_entry(spec, index.get(name), False) != "kept_deleted"
    ]
    limit = get_settings().max_schedules
    total = store.count() + len(creates)
    if creates and total > limit:
        problem = Problem(
            "schedules",
            len(loaded.specs),
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
) -> SyncReport | None:
    """Validate the whole file, then reconcile; an invalid file changes nothing.

    `routine`: a periodic re-read nothing prompted; if it changes nothing, its line is
    logged at DEBUG (at INFO it would be 8,640 lines a day saying nothing). A sync on
    start, on a save, or one that changed something is logged at INFO.
    """
    try:
        loaded: FileSchedules = load_file(path, registry, store)
        check_room(store, loaded)
    except FileError as exc:
        log.error("schedules.json not applied, nothing changed: %s", exc)
        _record_refusal(store, path, exc.message, exc.problems)
        return None
    try:
        report = reconcile(store, loaded.specs, actor)
    except TooManySchedules as exc:
        # An API create took the last places after check_room looked.
        log.error("schedules.json applied only in part: %s", exc)
        _record_refusal(store, path, str(exc), exc.problems)
        return None
    counts = report.counts()
    changed = {k: v for k, v in counts.items() if v and k != "unchanged"}
    log.log(
        logging.DEBUG if routine and not changed else logging.INFO,
        "schedules.json applied (%d entries): %s",
        len(loaded.specs),
        changed or "no changes",
    )
    record_state(
        store,
        {
            "ok": True,
            "path": str(path),
            "digest": loaded.digest,
            "counts": counts,
            "checked_at": _now(),
            "applied_at": _now(),
        },
    )
    return report
