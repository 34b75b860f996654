"""Seed 002's scheduler service for application code: `SchedulerService`, `ScheduleJob`,
`ScheduleType`, over the same schedules as the API, the file and the CLI (docs/seed002.md).

    from app.facade import ScheduleJob, SchedulerService, ScheduleType

An entry point like app.api and app.cli: the top layer, importing the layers below.
"""

from app.facade.job import ScheduleJob
from app.facade.service import JobStatus, SchedulerNotInitialized, SchedulerService
from app.schedules import ScheduleType

__all__ = [
    "JobStatus",
    "ScheduleJob",
    "ScheduleType",
    "SchedulerNotInitialized",
    "SchedulerService",
]
