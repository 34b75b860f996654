"""Log lines of the API, the worker and Beat: plain text by default, JSON by LOG_FORMAT.

Plain keeps each program's own format (Celery's `[time: LEVEL/process] message`,
uvicorn's `INFO:     message`). `LOG_FORMAT=json` writes one JSON object per line:

    {"time": "2026-01-01T00:00:00.123Z", "level": "INFO", "logger": "app.beat.changes",
     "message": "beat: schedule 테스트_크롤링 changed: hour 14→15 (api)",
     "schedule": "테스트_크롤링"}

with `schedule` and `task_id` whenever the line is about one (passed as `extra=` by our
own lines, or read from the task a worker is running), and `exception` with the
traceback. Celery configures its loggers itself; `install_celery_hooks` swaps the
formatter in afterwards (its `after_setup_*` signals), so Celery's handlers, levels and
stdout redirection stay as they are. The API gets `uvicorn_log_config`.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from celery import signals
from celery._state import get_current_task

from app.core.config import Settings, get_settings

# Attributes our own lines pass with `extra=` (and the JSON keys they become).
CONTEXT_FIELDS = ("schedule", "task_id")
# The header a scheduled task's message carries its schedule's name in (app.schedules.fire).
SCHEDULE_HEADER = "schedule"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_context(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _utc(created: float) -> str:
    moment = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    return moment.replace("+00:00", "Z")


def _context(record: logging.LogRecord) -> dict[str, str]:
    """schedule and task_id: given with the line, else those of the task being run."""
    found = {k: str(v) for k in CONTEXT_FIELDS if (v := getattr(record, k, None)) is not None}
    # Celery's own task lines ("Task x[id] received/succeeded") pass the id in their args.
    if "task_id" not in found and isinstance(record.args, Mapping) and "id" in record.args:
        found["task_id"] = str(record.args["id"])
    if len(found) < len(CONTEXT_FIELDS):
        for key, value in _current_task().items():
            found.setdefault(key, value)
    return found


def _current_task() -> dict[str, str]:
    task = get_current_task()
    request = getattr(task, "request", None)
    task_id = getattr(request, "id", None)
    if not task_id:
        return {}
    found = {"task_id": str(task_id)}
    schedule = getattr(request, SCHEDULE_HEADER, None) or (
        getattr(request, "headers", None) or {}
    ).get(SCHEDULE_HEADER)
    if schedule:
        found["schedule"] = str(schedule)
    return found


def use_json(logger: logging.Logger, settings: Settings | None = None) -> None:
    """Give each of `logger`'s handlers the JSON formatter, if LOG_FORMAT says so."""
    if (settings or get_settings()).log_format != "json":
        return
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())


def _after_setup(logger: logging.Logger | None = None, **_: Any) -> None:
    if logger is not None:
        use_json(logger)


def install_celery_hooks() -> None:
    """Run once where the Celery app is built: the worker's and Beat's loggers (root and
    `celery.task`) get the JSON formatter once Celery has set them up."""
    signals.after_setup_logger.connect(_after_setup, weak=False)
    signals.after_setup_task_logger.connect(_after_setup, weak=False)


def configure_early(settings: Settings) -> None:
    """For the worker and Beat, before Celery sets its logging up: under JSON, what is
    said before that (a warning at start-up, such as Celery's about running as root)
    is a JSON line too. Celery replaces this root handler with its own
    (worker_hijack_root_logger), which `install_celery_hooks` then makes JSON."""
    if settings.log_format != "json":
        return
    logging.captureWarnings(True)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's own logging config plus our `app.*` loggers at LOG_LEVEL (uvicorn's
    alone leaves them without a handler, so the API's INFO lines were lost), every
    formatter JSON under LOG_FORMAT=json."""
    from uvicorn.config import LOGGING_CONFIG  # here: the worker and Beat never need it

    config = copy.deepcopy(LOGGING_CONFIG)
    if settings.log_format == "json":
        for name in config["formatters"]:
            config["formatters"][name] = {"()": f"{__name__}.JsonFormatter"}
    config["loggers"]["app"] = {
        "handlers": ["default"],
        "level": settings.log_level.upper(),
        "propagate": False,
    }
    return config
