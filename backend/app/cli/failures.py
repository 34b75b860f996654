"""Errors to one line on stderr and an exit code, in one place (as api/errors.py does
for HTTP). No traceback for anything an operator can cause or fix."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.cli.context import Context
from app.core.redis import redacted_url
from app.monitor import NoHistory, scrub
from app.schedules import (
    InvalidSchedule,
    RunRefused,
    ScheduleError,
    ScheduleExists,
    ScheduleNotFound,
    VersionMismatch,
)

EXIT_OK = 0
# A check failed, or the request was refused (unknown name, invalid definition or file).
EXIT_FAILED = 1
# Redis could not be reached or refused the call: nothing was read or changed.
EXIT_REDIS = 2
# Bad command-line usage (sysexits' EX_USAGE), kept apart from 2 so monitoring can tell
# "Redis is down" from "the command is wrong".
EXIT_USAGE = 64


class RedisUnreachable(Exception):
    """Redis did not answer a status ping (read_status reports it instead of raising)."""

    def __init__(self, error: str) -> None:
        self.error = error
        super().__init__(error)


def schedule_error_line(ctx: Context, exc: ScheduleError) -> str:
    if isinstance(exc, NoHistory):
        return ctx.message("history_not_found", name=exc.name)
    if isinstance(exc, ScheduleNotFound):
        return ctx.message("not_found", name=exc.name)
    if isinstance(exc, ScheduleExists):
        return ctx.message("exists", name=exc.name)
    if isinstance(exc, VersionMismatch):
        return ctx.message("version_mismatch", name=exc.name, actual=exc.actual)
    if isinstance(exc, InvalidSchedule):
        return ctx.message("invalid", detail=str(exc))
    if isinstance(exc, RunRefused):
        why = ctx.message(f"run_refused_{exc.reason}")
        return ctx.message("cli_run_refused", name=exc.name, why=why)
    return str(exc)


def redis_error_line(ctx: Context, exc: Exception) -> str:
    url = redacted_url(ctx.settings.redis_url)
    error = scrub(str(exc) or type(exc).__name__, ctx.settings.redis_url)
    if isinstance(exc, RedisUnreachable | RedisConnectionError | RedisTimeoutError):
        down = ctx.message("redis_down", url=url, error=error)
        return f"{down} {ctx.message('cli_redis_hint')}"
    return ctx.message("cli_redis_error", url=url, error=error)


def report(ctx: Context, exc: Exception) -> int:
    """Print `exc` as one line on stderr; the exit code for it."""
    if isinstance(exc, ScheduleError):
        ctx.warn(schedule_error_line(ctx, exc))
        return EXIT_FAILED
    if isinstance(exc, RedisUnreachable | RedisError):
        ctx.warn(redis_error_line(ctx, exc))
        return EXIT_REDIS
    raise exc
