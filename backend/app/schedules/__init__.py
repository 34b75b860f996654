"""The domain: what a schedule is, how it is validated, stored and edited.

Other packages import from here, not from the modules inside. Nothing in this package
imports from a layer above it (beat, schedules_file, monitor, presentation, api, cli);
tests/unit/test_layers.py checks that.
"""

from app.schedules.entry import (
    Entry,
    Origin,
    encode_meta,
    encode_slot,
    overdue_by,
    revision_of,
)
from app.schedules.errors import (
    InvalidSchedule,
    Problem,
    ScheduleError,
    ScheduleExists,
    ScheduleNotFound,
    VersionMismatch,
    invalid,
)
from app.schedules.registry import TaskRegistry
from app.schedules.schema import file_schema
from app.schedules.service import MAX_PAGE, Page, ScheduleService
from app.schedules.spec import CRON_FIELDS, NAME_MAX_LENGTH, ScheduleSpec, parse_spec, validate_name
from app.schedules.store import (
    BeatLocks,
    BeatRecords,
    Claim,
    DueBatch,
    DueRow,
    FileMark,
    FireCommit,
    PastDue,
    ScheduleStore,
)
from app.schedules.timing import next_fire, serve_fire
from app.schedules.validation import validate_spec
from app.schedules.walk import ListFilter, iter_chunks, name_matches

__all__ = [
    "CRON_FIELDS",
    "MAX_PAGE",
    "NAME_MAX_LENGTH",
    "BeatLocks",
    "BeatRecords",
    "Claim",
    "DueBatch",
    "DueRow",
    "Entry",
    "FileMark",
    "FireCommit",
    "InvalidSchedule",
    "ListFilter",
    "Origin",
    "Page",
    "PastDue",
    "Problem",
    "ScheduleError",
    "ScheduleExists",
    "ScheduleNotFound",
    "ScheduleService",
    "ScheduleSpec",
    "ScheduleStore",
    "TaskRegistry",
    "VersionMismatch",
    "encode_meta",
    "encode_slot",
    "file_schema",
    "invalid",
    "iter_chunks",
    "name_matches",
    "next_fire",
    "overdue_by",
    "parse_spec",
    "revision_of",
    "serve_fire",
    "validate_name",
    "validate_spec",
]
