"""What the system is doing: Beats and their lock, workers, file sync, overdue entries,
failing schedules, and the run history as readers query it.

Read by `GET /api/scheduler/status`, the run routes and `./check_schedules.sh`.
"""

from app.monitor.metrics import render_metrics
from app.monitor.runs import (
    CURSOR_PATTERN,
    HISTORY_OUTCOMES,
    MAX_LIMIT,
    MAX_SCAN,
    NoHistory,
    RunNotFound,
    RunPage,
    RunQuery,
    aware,
    find_runs,
    get_run,
    parse_outcomes,
    recorded_at,
    run_view,
    schedule_runs,
)
from app.monitor.status import (
    BeatStatus,
    FailingReport,
    HealthProblem,
    OverdueReport,
    PickupStatus,
    SystemStatus,
    find_failing,
    find_overdue,
    health_problems,
    read_status,
    scrub,
)

__all__ = [
    "CURSOR_PATTERN",
    "HISTORY_OUTCOMES",
    "MAX_LIMIT",
    "MAX_SCAN",
    "BeatStatus",
    "FailingReport",
    "HealthProblem",
    "NoHistory",
    "OverdueReport",
    "PickupStatus",
    "RunNotFound",
    "RunPage",
    "RunQuery",
    "SystemStatus",
    "aware",
    "find_failing",
    "find_overdue",
    "find_runs",
    "get_run",
    "health_problems",
    "parse_outcomes",
    "read_status",
    "render_metrics",
    "recorded_at",
    "run_view",
    "schedule_runs",
    "scrub",
]
