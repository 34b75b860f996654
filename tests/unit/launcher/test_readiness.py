"""The readiness gate (app/launcher/readiness.py)."""

from __future__ import annotations

import threading

import pytest

from app.launcher import StartupFailed, StopRequested, Supervisor, log_contains, wait_until_ready
from tests.unit.launcher.conftest import py, waiter


def test_times_out_with_a_message_naming_what_and_the_log(supervisor: Supervisor) -> None:
    child = supervisor.start("redis", waiter())

    with pytest.raises(StartupFailed) as failed:
        wait_until_ready(
            child, lambda: False, what="Redis did not answer PING on port 1", timeout=0.2
        )

    assert str(failed.value) == (
        f"Redis did not answer PING on port 1 within 0.2s; see {child.log_path}"
    )
    assert not child.has_exited(), "the gate reports; stopping is the caller's job"


def test_fails_early_when_the_child_exits_while_starting(supervisor: Supervisor) -> None:
    child = supervisor.start("api", py("import sys; print('bad config'); sys.exit(3)"))

    with pytest.raises(StartupFailed) as failed:
        # A deadline far beyond the test's own timeout: only the early exit can end this.
        wait_until_ready(child, lambda: False, what="the API did not open a port", timeout=1e6)

    assert str(failed.value) == f"api exited while starting; see {child.log_path}"
    assert child.reap() == 3


def test_returns_once_the_probe_succeeds(supervisor: Supervisor) -> None:
    child = supervisor.start("worker", waiter())

    wait_until_ready(child, log_contains(child, "up"), what="no 'up'", timeout=30)

    assert "up" in child.log_text()


def test_a_stop_request_ends_the_wait(supervisor: Supervisor) -> None:
    child = supervisor.start("beat", waiter())
    stop = threading.Event()
    stop.set()

    with pytest.raises(StopRequested):
        wait_until_ready(child, lambda: False, what="never", timeout=1e6, interrupted=stop)


def test_the_supervisor_gate_is_cut_short_by_a_stop_request(supervisor: Supervisor) -> None:
    child = supervisor.start("beat", waiter())
    supervisor.request_stop()

    with pytest.raises(StopRequested):
        supervisor.wait_until_ready(child, lambda: False, what="never", timeout=1e6)
