"""The CLI's entry point: arguments (parser.py) to a handler, errors to exit codes.
`python -m app.cli --help`."""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from redis import Redis

from app.cli.context import Context
from app.cli.failures import EXIT_FAILED, report
from app.cli.parser import build_parser
from app.cli.terminal import Style
from app.core.config import Settings, get_settings
from app.core.run_dir import resolved_redis_url
from app.presentation import message


class _NoTraceback(logging.Formatter):
    """Warnings from the domain layer, as one line: the CLI shows no tracebacks."""

    def formatException(self, ei: object) -> str:  # noqa: N802 (logging's name)
        return ""


def _log_warnings_to(err: TextIO) -> None:
    root = logging.getLogger()
    if not any(isinstance(h.formatter, _NoTraceback) for h in root.handlers):
        handler = logging.StreamHandler(err)
        handler.setFormatter(_NoTraceback("warning: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)


def _settings(err: TextIO) -> Settings | None:
    try:
        return get_settings()
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        # In English: the settings, LANGUAGE among them, are what could not be read.
        err.write(message("cli_settings_invalid", detail=detail) + "\n")
        return None


def _never_fail_on_encoding(*streams: TextIO) -> None:
    """A terminal that cannot show Korean gets escapes, not a UnicodeEncodeError."""
    for stream in streams:
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _silence(out: TextIO) -> None:
    """After `... | head` left: send the rest of stdout nowhere, so the flush at exit
    does not print a BrokenPipeError of its own."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _run(ctx: Context, args: argparse.Namespace) -> int:
    handler: Callable[[Context, argparse.Namespace], int] = args.handler
    try:
        return handler(ctx, args)
    except BrokenPipeError:
        _silence(ctx.out)
        return EXIT_FAILED
    except KeyboardInterrupt:
        ctx.warn(ctx.message("cli_interrupted"))
        return 130
    except Exception as exc:
        return report(ctx, exc)


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], datetime] | None = None,
    redis: Redis | None = None,
) -> int:
    """`redis`: a client to use instead of one built from REDIS_URL (tests)."""
    if out is None or err is None:
        _never_fail_on_encoding(sys.stdout, sys.stderr)
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or bad usage: argparse has printed it
        return int(exc.code or 0)
    settings = _settings(err)
    if settings is None:
        return EXIT_FAILED
    # With no REDIS_URL named, the Redis that a running ./run.sh embedded (app.core.run_dir).
    url = resolved_redis_url(settings)
    from_run_dir = url != settings.redis_url
    settings = settings.model_copy(update={"redis_url": url})
    if getattr(args, "now", None) is not None and args.now.tzinfo is None:
        args.now = args.now.replace(tzinfo=ZoneInfo(settings.timezone))
    _log_warnings_to(err)
    style = Style.for_stream(out, args.color, no_color=settings.no_color)
    ctx = Context(settings, out, err, style, redis_from_run_dir=from_run_dir)
    if clock is not None:
        ctx.clock = clock
    if redis is not None:
        ctx.redis = redis
    return _run(ctx, args)
