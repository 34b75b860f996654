"""The store: every read and write of schedule state in Redis goes through here.

No other module runs a Redis command, pipeline or script on schedule state
(tests/unit/test_layers.py checks it), in the manner of APScheduler's data stores:
Beat's loop, the file sync, the API, the CLI and status only call these methods.
The private modules split it by concern; this surface is what the rest imports.
"""

from app.schedules.store._alerts import (
    DUPLICATE,
    QUEUED,
    SUPPRESSED,
    AlertStore,
    QueuedAlert,
    RateLimit,
    RecordBatch,
    stream_order,
)
from app.schedules.store._beats import BeatLocks, BeatRecords, Claim
from app.schedules.store._dispatch import (
    APPLIED,
    HELD_BACK,
    MISSED,
    NOT_APPLIED,
    PAUSED,
    SEND,
    SKIPPED,
    DueBatch,
    DueRow,
    FireArgs,
    FireCommit,
)
from app.schedules.store._entries import CREATE, UPSERT, PastDue, SaveMode
from app.schedules.store._file_index import FileMark
from app.schedules.store._metrics import HistogramCounts, MetricCounts
from app.schedules.store._pickup import KeyspaceEvents, PickupStore
from app.schedules.store._runs import Buffered, HistoryLimits, RunState
from app.schedules.store._store import ScheduleStore

__all__ = [
    "KeyspaceEvents",
    "PickupStore",
    "HistogramCounts",
    "MetricCounts",
    "DUPLICATE",
    "QUEUED",
    "SUPPRESSED",
    "AlertStore",
    "QueuedAlert",
    "RateLimit",
    "RecordBatch",
    "stream_order",
    "APPLIED",
    "HELD_BACK",
    "MISSED",
    "NOT_APPLIED",
    "PAUSED",
    "SEND",
    "SKIPPED",
    "Buffered",
    "FireArgs",
    "HistoryLimits",
    "RunState",
    "CREATE",
    "UPSERT",
    "BeatLocks",
    "BeatRecords",
    "Claim",
    "DueBatch",
    "DueRow",
    "FileMark",
    "FireCommit",
    "PastDue",
    "SaveMode",
    "ScheduleStore",
]
