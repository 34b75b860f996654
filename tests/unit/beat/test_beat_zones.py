"""Beat's startup log names the schedules' timezone (app/beat/scheduler.py)."""

from __future__ import annotations

import logging

import pytest

from app.beat.scheduler import BatchScheduler
from app.core.celery_app import celery_app
from app.core.config import get_settings


def test_beat_logs_the_schedules_timezone_at_start(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="app.beat.scheduler"):
        BatchScheduler(celery_app, max_interval=0.01)

    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("beat: times:")]
    assert get_settings().timezone in line and "(UTC" in line
