"""app/cli/main.py and failures.py: usage, settings and errors to exit codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.exceptions import AuthenticationError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError

from app.cli.context import Context
from app.cli.failures import EXIT_FAILED, EXIT_REDIS, EXIT_USAGE, RedisUnreachable, report
from app.cli.main import main
from app.core.config import Settings, get_settings
from app.schedules.errors import (
    InvalidSchedule,
    Problem,
    RunRefused,
    ScheduleExists,
    ScheduleNotFound,
    VersionMismatch,
)

URL = "redis://:pa55word@10.0.0.9:6380/1"


def context(language: str = "en") -> Context:
    settings = Settings(redis_url=URL, language=language)  # type: ignore[arg-type]
    return Context(settings, io.StringIO(), io.StringIO())


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["list", "--bogus"], "batchsched-cli: error: unrecognized arguments: --bogus"),
        (["frobnicate"], "batchsched-cli: error: argument command: invalid choice: 'frobnicate'"),
        ([], "batchsched-cli: error: the following arguments are required: command"),
        (["show"], "batchsched-cli show: error: the following arguments are required: name"),
        (["status", "--grace", "-5"], "batchsched-cli status: error: argument --grace: -5 is"),
        (["status", "--now", "yesterday"], "batchsched-cli status: error: argument --now: "),
        (["runs"], "batchsched-cli runs: error: the following arguments are required: name"),
        (["runs", "a", "--limit", "0"], "batchsched-cli runs: error: argument --limit: 0 is not"),
        (["runs", "a", "--limit", "x"], "batchsched-cli runs: error: argument --limit: 'x' is not"),
        (["runs", "a", "--limit", "1001"], "batchsched-cli runs: error: argument --limit: 1001 is"),
        (["runs", "a", "--before", "1-2-3"], "batchsched-cli runs: error: argument --before: "),
        (["runs", "a", "--before", f"{2**64}-0"], "batchsched-cli runs: error: argument --before:"),
        (["show", "a", "--runs", "-1"], "batchsched-cli show: error: argument --runs: -1 is not"),
    ],
)
def test_bad_usage_is_one_line_and_exits_64_apart_from_redis_down(
    argv: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out, err = io.StringIO(), io.StringIO()

    assert main(argv, out=out, err=err) == EXIT_USAGE

    printed = capsys.readouterr()
    assert printed.err.startswith(error)
    assert printed.err.count("\n") == 1 and printed.err.endswith(" --help)\n")
    assert "Traceback" not in printed.err
    assert out.getvalue() == printed.out == ""


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "--help"]) == 0
    assert "--failed" in capsys.readouterr().out


def test_invalid_settings_are_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus_Mons")
    out, err = io.StringIO(), io.StringIO()

    assert main(["list"], out=out, err=err) == EXIT_FAILED
    assert err.getvalue() == (
        "The settings are invalid: timezone: Value error, unknown timezone 'Mars/Olympus_Mons'\n"
    )


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (ScheduleNotFound("주간"), "No schedule named '주간'."),
        (ScheduleExists("주간"), "A schedule named '주간' already exists."),
        (
            VersionMismatch("주간", "aaa", "bbb"),
            "Schedule '주간' changed since you read it (now at version bbb); read it again "
            "and retry.",
        ),
        (
            InvalidSchedule([Problem("kwargs.days", "x", "Input should be a valid integer")]),
            "The schedule was not saved: kwargs.days: Input should be a valid integer (got 'x')",
        ),
        (
            RunRefused("주간", "overlap"),
            "Schedule '주간' was not run: a run of it is still queued or running (overlap "
            "policy). Add --force to run it anyway.",
        ),
    ],
)
def test_domain_errors_are_one_line_on_stderr_and_exit_1(error: Exception, line: str) -> None:
    ctx = context()

    assert report(ctx, error) == EXIT_FAILED
    assert ctx.err.getvalue() == line + "\n"  # type: ignore[attr-defined]
    assert ctx.out.getvalue() == ""  # type: ignore[attr-defined]


def test_domain_errors_follow_the_language_setting() -> None:
    ctx = context("ko")

    report(ctx, ScheduleNotFound("주간"))

    assert ctx.err.getvalue() == "'주간' 스케줄이 없습니다.\n"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "error",
    [
        RedisConnectionError("Error 111 connecting to 10.0.0.9:6380. Connection refused."),
        AuthenticationError("invalid password pa55word"),
        RedisUnreachable("Timeout connecting to server"),
    ],
)
def test_redis_down_names_the_url_without_its_password_and_exits_2(error: Exception) -> None:
    ctx = context()

    assert report(ctx, error) == EXIT_REDIS
    line = ctx.err.getvalue()  # type: ignore[attr-defined]
    assert line.count("\n") == 1
    assert line.startswith("Redis is unreachable at redis://:***@10.0.0.9:6380/1: ")
    assert "REDIS_URL" in line
    assert "pa55word" not in line


def test_other_redis_errors_exit_2_too() -> None:
    ctx = context()

    assert report(ctx, ResponseError("WRONGTYPE Operation against a key")) == EXIT_REDIS
    assert ctx.err.getvalue() == (  # type: ignore[attr-defined]
        "Redis at redis://:***@10.0.0.9:6380/1 answered with an error: "
        "WRONGTYPE Operation against a key\n"
    )


def test_a_bug_is_not_hidden() -> None:
    with pytest.raises(KeyError):
        report(context(), KeyError("bug"))


BACKEND = Path(__file__).resolve().parents[3] / "backend"


def test_invalid_settings_are_one_line_from_a_fresh_process() -> None:
    """In-process tests import the app first; a fresh CLI process must not build the
    Celery app (which reads the settings) before main() checks them."""
    env = {**os.environ, "TIMEZONE": "Mars/Olympus_Mons", "REDIS_URL": "redis://127.0.0.1:1/0"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "list"],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_FAILED
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("The settings are invalid: timezone")
