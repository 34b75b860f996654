"""Console scripts for the Celery processes (`batchsched-worker`, `batchsched-beat`).

Each is `celery -A app.core.celery_app:celery_app worker|beat` with the flags the
settings decide, then any extra arguments; it runs Celery's own command line in this
process, so the script that execs it hands its signals straight to Celery.
"""

from __future__ import annotations

import sys

from pydantic import ValidationError

from app.core.config import Settings, get_settings, settings_problems
from app.core.logging import configure_early

CELERY_APP = "app.core.celery_app:celery_app"


def _settings() -> Settings:
    """The settings, or exit 2 with one line per refused one (no traceback, no value)."""
    try:
        return get_settings()
    except ValidationError as exc:
        for line in settings_problems(exc):
            print(f"a setting is invalid: {line}", file=sys.stderr)
        raise SystemExit(2) from None


def worker() -> None:
    """Extra arguments go to `celery worker`, e.g. `batchsched-worker -Q reports`."""
    settings = _settings()
    # -E sends task events, which Flower and the status API read.
    _celery(
        "worker",
        "--loglevel",
        settings.log_level,
        "--concurrency",
        str(settings.worker_concurrency),
        "-n",
        "worker@%h",
        "-E",
    )


def beat() -> None:
    """No pidfile: several Beats may run, and a Redis lock lets exactly one dispatch."""
    _celery("beat", "--loglevel", _settings().log_level, "--pidfile=")


def _celery(command: str, *options: str) -> None:
    from celery.__main__ import main as celery_main

    # Celery's entry point reads sys.argv (it also decides eventlet/gevent patching
    # from it), so this is exactly `celery -A ... <command> ...` run from a shell.
    # JSON logs: no start-up banner, the one part of the output that is not a log line,
    # and what is said before Celery's logging is set up is JSON too.
    settings = get_settings()
    configure_early(settings)
    quiet = ["--quiet"] if settings.log_format == "json" else []
    sys.argv = ["celery", "-A", CELERY_APP, *quiet, command, *options, *sys.argv[1:]]
    celery_main()
