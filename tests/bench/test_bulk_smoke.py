"""bench/bulk.py still runs and reports every measurement (tiny size; figures unchecked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_bulk_benchmark_reports_ours_and_stock() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bulk", "--sizes", "30", "--stock-max", "30"],
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
        cwd=ROOT,  # `bench` is a package at the repo root
    )
    for row in (
        "| 30 | stock entry.save() x 30 |",
        "| 30 | CLI apply |",
        "| 30 | Beat's start-up sync |",
        "| 30 | one-entry edit, sync on save |",
        "| 30 | export (in process) |",
        "| 30 | CLI export |",
    ):
        assert row in done.stdout
