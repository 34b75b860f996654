"""ScheduleStore: the one object that reads and writes schedule state in Redis."""

from __future__ import annotations

from functools import cached_property

from app.schedules.store._alerts import AlertStore
from app.schedules.store._audit import AuditOps
from app.schedules.store._beats import BeatLocks
from app.schedules.store._bulk import BulkOps
from app.schedules.store._control import ControlOps
from app.schedules.store._dispatch import DispatchOps
from app.schedules.store._entries import EntryOps
from app.schedules.store._file_index import FileIndexOps
from app.schedules.store._metrics import MetricsOps
from app.schedules.store._workers import WorkerOps


class ScheduleStore(
    BulkOps, EntryOps, DispatchOps, FileIndexOps, ControlOps, AuditOps, MetricsOps, WorkerOps
):
    """Entries by name (get, get_many, read_keys, keys, count, save, delete), what Beat
    needs (due, commit_fires, wait_for_change), the file sync's memory and bulk writes
    (file_index, file_marks, present, unreadable, write_file_chunk, drop_file_chunk,
    write_sync_state, read_sync_state), the export's read (documents),
    status reads (overdue, ping), the global pause (pause_state, pause, resume) and the
    Beat lock (`beats`), and the audit trail (record_changes, audit, audit_tail), the metrics'
    counters (metric_counts, observe_apply) and worker presence (renew_worker,
    worker_records).

    Each method is one round trip or one transaction unless its docstring says
    otherwise, and raises redis.exceptions.RedisError when Redis does not answer.
    """

    @cached_property
    def beats(self) -> BeatLocks:
        return BeatLocks(self.redis)

    @cached_property
    def alerts(self) -> AlertStore:
        """The alert queue and the alert rules' reading of history (app/alerts)."""
        return AlertStore(self.redis)
