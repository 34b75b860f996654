"""The API's contract as Pydantic models: every request body, every response, every error.

`/openapi.json` is generated from these, so the document says what the API does. FastAPI
validates request bodies against `ScheduleCreate` and `ScheduleUpdate`, built from the
domain's own `ScheduleSpec` so they cannot drift from it; the schedule layer then
validates the body as received (see `requests`).
"""

from app.api.models.audit import AuditEventPublic, AuditPage, FieldChangePublic
from app.api.models.errors import ErrorBody, ErrorDetail, error_responses
from app.api.models.preview import TimingPreviewPublic, TimingPreviewRequest
from app.api.models.requests import ScheduleCreate, ScheduleUpdate
from app.api.models.runs import (
    FailingPublic,
    RunPublic,
    RunsFound,
    RunsPage,
    RunStatsPublic,
)
from app.api.models.schedules import (
    RunSent,
    ScheduleChanged,
    ScheduleDeleted,
    ScheduleDetail,
    SchedulePublic,
    SchedulesPublic,
    Timing,
)
from app.api.models.system import (
    ExportFile,
    HealthPublic,
    StatusPublic,
    TaskParameter,
    TaskPublic,
    TasksPublic,
)

__all__ = [
    "AuditEventPublic",
    "AuditPage",
    "FieldChangePublic",
    "ErrorBody",
    "ErrorDetail",
    "ExportFile",
    "FailingPublic",
    "HealthPublic",
    "RunPublic",
    "RunSent",
    "RunStatsPublic",
    "RunsFound",
    "RunsPage",
    "ScheduleChanged",
    "ScheduleCreate",
    "ScheduleDeleted",
    "ScheduleDetail",
    "SchedulePublic",
    "ScheduleUpdate",
    "SchedulesPublic",
    "StatusPublic",
    "TaskParameter",
    "TaskPublic",
    "TasksPublic",
    "Timing",
    "TimingPreviewPublic",
    "TimingPreviewRequest",
    "error_responses",
]
