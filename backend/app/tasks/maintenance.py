"""House-keeping: old-data clean-up (seed 000) and the periodic health check (seed 001).

The clean-up really removes old run history (through the store, see
app/tasks/history_report.py); its log and image file counts are stand-ins.
"""

# No `from __future__ import annotations`: the task registry reads these signatures with
# inspect.signature and needs real types, not strings.

import logging
import os
import platform
import socket
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from celery.utils.log import get_task_logger
from pydantic import AfterValidator

from app.core.celery_app import celery_app
from app.core.redis import redacted_url
from app.tasks import history_report
from app.tasks._delivery import RERUN_SAFE
from app.tasks._simulate import (
    SimulateSeconds,
    check_bool,
    check_int,
    check_seconds,
    simulate,
    stable_int,
)

logger: logging.Logger = get_task_logger(__name__)

# Ten years: anything longer is almost certainly a unit mistake.
MAX_RETENTION_DAYS = 3650
# The stand-in pretends to hold this many days of logs and images.
STAND_IN_HISTORY_DAYS = 365
# A health check that waits longer than this is itself a problem for a 30-minute check.
MAX_BROKER_TIMEOUT_SECONDS = 30.0


def check_days(value: object) -> int:
    return check_int("days", value, 1, MAX_RETENTION_DAYS)


def check_broker_timeout(value: object) -> float:
    timeout = check_seconds("broker_timeout_seconds", value, MAX_BROKER_TIMEOUT_SECONDS)
    if timeout == 0:
        raise ValueError(f"broker_timeout_seconds: must be more than 0, got {value!r}")
    return timeout


class HealthCheckFailed(RuntimeError):
    """Raised by health_check(fail_on_error=True) when a check does not pass."""


# Safe to run again: it removes what is older than a cut-off, so a second run finds
# only what the first left.
@celery_app.task(**RERUN_SAFE)  # type: ignore[untyped-decorator]
def cleanup_old_data(
    days: Annotated[int, AfterValidator(check_days)] = 30,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Remove run history older than `days` days (and, as a stand-in, old logs and images).

    Seed 000's weekly clean-up. `history` is real: every schedule's run records written
    more than `days` days ago are deleted from Redis, and `records_removed` says how many
    (the store also drops records older than HISTORY_MAX_AGE_DAYS, 14 by default, as new
    ones are written, so a `days` longer than that usually finds nothing left to remove).
    `files` is a stand-in, marked `"stand_in": true`: no file is deleted; its counts are
    what a year of made-up, repeatable daily files would give.
    """
    keep = check_days(days)
    simulate("cleanup_old_data", simulate_seconds, simulate_failure)
    history = history_report.remove_old_history(keep)
    files = _stand_in_files(keep)
    logger.info(
        "Removed %d run records older than %d days; %d log files and %d images (stand-in)",
        history["records_removed"],
        keep,
        files["removed"]["logs"],
        files["removed"]["images"],
    )
    return {"stand_in": False, "days": keep, "history": history, "files": files}


def _stand_in_files(keep: int) -> dict[str, Any]:
    """Stand-in: the log files and images a year of made-up daily files holds beyond `keep`
    days; nothing is deleted."""
    # Summing per-day counts makes a longer retention remove fewer files, as a real one would.
    older = range(keep + 1, STAND_IN_HISTORY_DAYS + 1)
    logs = sum(stable_int(f"logs:day{age}", 0, 40) for age in older)
    images = sum(stable_int(f"images:day{age}", 0, 120) for age in older)
    return {
        "stand_in": True,
        "note": "stand-in for log and image files: counts derived from the days, nothing deleted",
        "removed": {"logs": logs, "images": images},
    }


def _probe_broker(timeout: float) -> dict[str, object]:
    """Whether the broker accepts a connection within `timeout` seconds; never raises."""
    started = time.monotonic()
    with celery_app.connection_for_read(connect_timeout=timeout) as conn:
        # Redacted: results are stored and shown. kombu's own masking shows "**" even
        # when there is no password, which sends operators looking for one.
        url = redacted_url(conn.as_uri(include_password=True))
        try:
            # One attempt only: a status check must stay cheap when the broker is down.
            conn.ensure_connection(max_retries=0, timeout=timeout)
        # Broad on purpose: whatever the transport raises means "unreachable" here.
        except Exception as exc:
            return {"url": url, "reachable": False, "error": f"{type(exc).__name__}: {exc}"}
    latency_ms = round((time.monotonic() - started) * 1000, 1)
    return {"url": url, "reachable": True, "latency_ms": latency_ms}


# Safe to run again: it only reads.
@celery_app.task(**RERUN_SAFE)  # type: ignore[untyped-decorator]
def health_check(
    broker_timeout_seconds: Annotated[float, AfterValidator(check_broker_timeout)] = 2.0,
    fail_on_error: bool = False,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Report this worker's host, process, clock and whether the broker is reachable.

    Seed 001's 30-minute status check. Reports a "degraded" status instead of failing, unless
    fail_on_error is true.
    """
    timeout = check_broker_timeout(broker_timeout_seconds)
    strict = check_bool("fail_on_error", fail_on_error)
    simulate("health_check", simulate_seconds, simulate_failure)
    broker = _probe_broker(timeout)
    status = "ok" if broker["reachable"] else "degraded"
    result: dict[str, object] = {
        "status": status,
        "checked_at": datetime.now(UTC).isoformat(),
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "python": platform.python_version(),
        "broker": broker,
    }
    if status == "ok":
        logger.info("Health check ok: broker %s reachable", broker["url"])
        return result
    logger.warning(
        "Health check degraded: broker %s unreachable (%s); check that Redis is up",
        broker["url"],
        broker["error"],
    )
    if strict:
        raise HealthCheckFailed(f"broker {broker['url']} unreachable: {broker['error']}")
    return result
