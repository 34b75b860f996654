"""The live state in schedules.json's own format, ready to commit.

Every entry whose timing has a spec form is exported with its definition as stored
(an API edit of a file-managed entry included). Entries written with RedBeat's own API
in a timing we cannot express (solar, raw rrule) are listed in `skipped`, and entries
that could not be read in `unreadable`, so that a caller can say what the file lacks
instead of dropping them silently.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.schedules import Entry, ScheduleSpec, ScheduleStore
from app.schedules_file.format import SCHEMA_REF, cyclic_gc_paused, render_document

# Mode of a newly created export: readable by all like any checked-in file (mkstemp's
# 0600 would otherwise carry over through the rename).
NEW_FILE_MODE = 0o644
# Entries read per round trip.
CHUNK = 1000


@dataclass(frozen=True)
class Skipped:
    name: str
    timing: str  # the schedule object's repr, e.g. "<solar: sunset at latitude ...>"


@dataclass
class Export:
    specs: dict[str, ScheduleSpec] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def add(self, name: str, entry: Entry | ScheduleSpec | None) -> None:
        if entry is None:
            self.unreadable.append(name)
        elif isinstance(entry, ScheduleSpec):
            self.specs[name] = entry
        elif entry.spec is None:
            self.skipped.append(Skipped(name, repr(entry.schedule)))
        else:
            self.specs[name] = entry.spec

    def document(self) -> dict[str, Any]:
        """The file's structure as data, for an API response."""
        return {
            "$schema": SCHEMA_REF,
            "schedules": {name: self.specs[name].to_document() for name in sorted(self.specs)},
        }

    def render(self) -> str:
        return render_document(self.specs)


def collect(entries: Iterable[tuple[str, Entry | ScheduleSpec | None]]) -> Export:
    """An export of (name, entry or its spec) pairs; None marks an entry that could not
    be read."""
    export = Export()
    for name, entry in entries:
        export.add(name, entry)
    return export


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename: a reader sees the old file or the new one.

    The temporary file sits beside the target (a rename is only atomic within one file
    system) and is flushed to disk before the rename, so a crash leaves one whole file.
    An existing file keeps its permissions.
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_store(store: ScheduleStore) -> Export:
    """The whole live state in name order, CHUNK entries per round trip. Entries this
    project wrote are read from their stored spec alone (store.documents), without
    building a schedule object or decoding RedBeat's definition: about 15,000 entries a
    second instead of 5,000."""
    with cyclic_gc_paused():
        return collect(pair for chunk in store.documents(CHUNK) for pair in chunk)
