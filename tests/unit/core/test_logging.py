"""app/core/logging.py: JSON lines by LOG_FORMAT, for Celery's loggers and uvicorn's."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from app.core import logging as app_logging
from app.core.config import Settings
from app.core.logging import JsonFormatter, use_json, uvicorn_log_config

JSON = Settings(redis_url="redis://unused:6379/0", log_format="json")
PLAIN = Settings(redis_url="redis://unused:6379/0")


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log = logging.getLogger("tests.json")
    log.handlers, log.propagate, log.level = [handler], False, logging.DEBUG
    yield log, stream
    log.handlers = []


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_has_time_level_logger_message_and_its_schedule(
    logger: tuple[logging.Logger, io.StringIO],
) -> None:
    log, stream = logger
    use_json(log, JSON)
    log.info("schedule %s changed:\n hour", "테스트_크롤링", extra={"schedule": "테스트_크롤링"})
    log.warning("plain")
    assert len(stream.getvalue().splitlines()) == 2  # a newline in a message stays inside
    first, second = lines(stream)
    assert first.pop("time").endswith("Z")
    assert first == {
        "level": "INFO",
        "logger": "tests.json",
        "message": "schedule 테스트_크롤링 changed:\n hour",
        "schedule": "테스트_크롤링",
    }
    assert set(second) == {"time", "level", "logger", "message"}


def test_plain_leaves_the_formatter_alone(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    use_json(log, PLAIN)
    log.info("hello")
    assert stream.getvalue() == "hello\n"


def test_an_exception_is_one_field(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    use_json(log, JSON)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    [line] = lines(stream)
    assert line["message"] == "failed"
    assert "ValueError: boom" in line["exception"] and "Traceback" in line["exception"]


def test_celerys_task_lines_and_a_running_task_give_the_task_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    formatter = JsonFormatter()
    # Celery's "Task %(name)s[%(id)s] succeeded ..." passes a dict as its arguments.
    record = logging.LogRecord("celery.app.trace", 20, "", 0, "Task %(id)s done", (), None)
    record.args = {"id": "t-1", "name": "x"}
    assert json.loads(formatter.format(record))["task_id"] == "t-1"

    # A line a task logs while it runs: the id and the schedule header of its message.
    request = SimpleNamespace(id="t-2", headers={"schedule": "매일"})
    monkeypatch.setattr(app_logging, "get_current_task", lambda: SimpleNamespace(request=request))
    line = json.loads(formatter.format(logging.LogRecord("app.tasks", 20, "", 0, "hi", (), None)))
    assert (line["task_id"], line["schedule"]) == ("t-2", "매일")


def test_celerys_signal_swaps_in_the_json_formatter(monkeypatch: pytest.MonkeyPatch) -> None:
    from celery import signals

    monkeypatch.setattr(app_logging, "get_settings", lambda: JSON)
    log = logging.getLogger("tests.celery")
    log.handlers = [logging.StreamHandler(io.StringIO())]
    signals.after_setup_logger.send(sender=None, logger=log, loglevel=20, logfile=None)
    assert isinstance(log.handlers[0].formatter, JsonFormatter)
    log.handlers = []


def test_uvicorn_config_is_json_and_covers_our_loggers() -> None:
    config = uvicorn_log_config(JSON)
    assert {f["()"] for f in config["formatters"].values()} == {"app.core.logging.JsonFormatter"}
    assert config["loggers"]["app"]["level"] == "INFO"
    plain = uvicorn_log_config(PLAIN)
    assert "uvicorn" in plain["formatters"]["default"]["()"]

    # Applied as uvicorn applies it, with the handler writing here instead of stderr.
    stream = io.StringIO()
    config["handlers"]["default"] = {**config["handlers"]["default"], "stream": stream}
    try:
        logging.config.dictConfig(config)
        logging.getLogger("app.api.main").info("API: ready")
    finally:
        ours = logging.getLogger("app")
        ours.handlers, ours.propagate, ours.level = [], True, logging.NOTSET
    [line] = lines(stream)
    assert (line["logger"], line["message"]) == ("app.api.main", "API: ready")


def test_before_celery_sets_up_logging_a_warning_is_json_too() -> None:
    root = logging.getLogger()
    kept = list(root.handlers)
    try:
        app_logging.configure_early(PLAIN)
        assert root.handlers == kept
        app_logging.configure_early(JSON)
        [added] = [h for h in root.handlers if h not in kept]
        assert isinstance(added.formatter, JsonFormatter)
    finally:
        root.handlers = kept
        logging.captureWarnings(False)
