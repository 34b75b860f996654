"""schedules.json: its format, its reconciliation into Redis, the watch for edits, and
the export of the live state back into the same format.

Built on app.schedules; the Beat (app.beat) runs the sync, the CLI and the API export.
"""

from app.schedules_file.export import Export, export_store, write_atomic
from app.schedules_file.format import FileError, FileSchedules, cyclic_gc_paused, load_file
from app.schedules_file.sync import SyncReport, read_state, record_failed_sync, sync_file
from app.schedules_file.watch import FileWatch

__all__ = [
    "Export",
    "FileError",
    "FileSchedules",
    "FileWatch",
    "SyncReport",
    "cyclic_gc_paused",
    "export_store",
    "load_file",
    "read_state",
    "record_failed_sync",
    "sync_file",
    "write_atomic",
]
