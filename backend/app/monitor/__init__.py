"""What the system is doing: Beats and their lock, workers, file sync, overdue entries.

Read by `GET /api/scheduler/status` and `./check_schedules.sh` alike.
"""

from app.monitor.status import (
    BeatStatus,
    HealthProblem,
    OverdueReport,
    SystemStatus,
    find_overdue,
    health_problems,
    read_status,
    scrub,
)

__all__ = [
    "BeatStatus",
    "HealthProblem",
    "OverdueReport",
    "SystemStatus",
    "find_overdue",
    "health_problems",
    "read_status",
    "scrub",
]
