"""GracefulStop: a stop signal never cuts a dispatch in half (app/beat/shutdown.py)."""

from __future__ import annotations

import signal

import pytest

from app.beat.shutdown import GracefulStop


def test_a_signal_outside_a_batch_stops_at_once() -> None:
    stop = GracefulStop()
    with pytest.raises(SystemExit):
        stop._handle(signal.SIGTERM, None)


def test_a_signal_during_a_batch_waits_for_its_end() -> None:
    stop = GracefulStop()
    finished = []
    with pytest.raises(SystemExit):
        with stop.busy():
            stop._handle(signal.SIGTERM, None)  # no exception here: the batch goes on
            finished.append("sent")
    assert finished == ["sent"]


def test_no_signal_no_stop() -> None:
    stop = GracefulStop()
    with stop.busy():
        pass
    assert not stop.requested
