"""One Beat log line per schedule change it picks up, from the audit feed.

Every write through the service or the file sync records a `Change` (who, what, the
field diff) in the audit feed; the leading Beat reads the feed in the same round trip
that loads its due entries (`ScheduleStore.due(..., changes_after=cursor)`), so a line
appears on the first pass that sees the new definition:

    schedule 테스트_크롤링 changed: hour 14→15 (api) by client:127.0.0.1

Edits made around this app with RedBeat's own `save()` write no Change; Beat notices
one when the entry comes due (our `manager` field no longer matches the definition,
see audit.foreign_edit) and records it once, as actor "redbeat".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from app.schedules import (
    Change,
    DueRow,
    Entry,
    ScheduleStore,
    change_from_documents,
    describe,
    foreign_edit,
)

log = logging.getLogger(__name__)
# Entry revisions already checked for a foreign edit, remembered at most this many (one
# per entry and edit: each definition is looked at once, not on every fire).
CHECKED_MAX = 100_000


class ChangeLog:
    """The feed's read position and the foreign edits already reported."""

    def __init__(self) -> None:
        # None until this Beat leads: a standby reads nothing.
        self.cursor: str | None = None
        self._checked: set[str] = set()

    def start(self, store: ScheduleStore) -> None:
        """On taking the lock: changes from now on are this Beat's to log (those before
        were its predecessor's)."""
        self.cursor = store.audit_tail()

    def report(self, changes: Iterable[Change]) -> None:
        for change in changes:
            log.info("beat: %s", describe(change), extra={"schedule": change.name})
            if change.id is not None:
                self.cursor = change.id

    def notice_foreign(self, store: ScheduleStore, rows: Iterable[DueRow]) -> None:
        """Record edits made with RedBeat's own API among due entries, once each.

        The record lands in the feed and is logged by the next pass, like any other.
        Its last audit record already naming this version means it was reported before
        (by this Beat or a previous one).
        """
        candidates: list[tuple[Entry, tuple[dict[str, Any] | None, dict[str, Any]]]] = []
        for row in rows:
            entry = row.entry
            if entry is None or row.revision in self._checked:
                continue
            if len(self._checked) >= CHECKED_MAX:
                self._checked.clear()
            self._checked.add(row.revision)
            edit = foreign_edit(entry)
            if edit is not None:
                candidates.append((entry, edit))
        # Each one's last audit record, for the whole pass in one round trip.
        lasts = store.last_changes([entry.name for entry, _ in candidates])
        found: list[Change] = []
        for (entry, edit), last in zip(candidates, lasts, strict=True):
            if last is not None and last.etag == entry.etag:
                continue
            change = change_from_documents(entry.name, *edit, "redbeat", time.time(), entry.etag)
            if change is not None:
                found.append(change)
        store.record_changes(found)
