"""The benchmark scripts still run (tiny sizes; their figures are not checked here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_pickup_benchmark_runs_and_reports_both_writers() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pickup.py"), "--tries", "2"],
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    assert "| store write (wakes Beat) | 2 |" in done.stdout
    assert "| RedBeat entry.save() (Method 3, polled) | 2 |" in done.stdout


@pytest.mark.integration
def test_api_pickup_benchmark_runs_and_reports_every_call() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "api_pickup.py"), "--tries", "1"],
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    for call in ("create", "update", "pause", "delete"):
        assert f"| {call} (" in done.stdout
