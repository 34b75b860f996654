"""The benchmark scripts still run (tiny sizes; their figures are not checked here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_pickup_benchmark_runs_and_reports_both_writers() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.pickup", "--tries", "2"],
        capture_output=True,
        text=True,
        timeout=180,  # three Beats, one after the other
        check=True,
        cwd=ROOT,  # `bench` is a package at the repo root
    )
    out = done.stdout
    assert "| ours, keyspace notifications on | RedBeat entry.save() | 2 |" in out
    assert "| ours, keyspace notifications off (1 s poll) | RedBeat entry.delete() | 2 |" in out
    assert "| stock RedBeat, 1 s | store write (wakes Beat) | 2 |" in out


@pytest.mark.integration
def test_api_pickup_benchmark_runs_and_reports_every_call() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.api_pickup", "--tries", "1"],
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
        cwd=ROOT,  # `bench` is a package at the repo root
    )
    for call in ("create", "update", "pause", "delete"):
        assert f"| {call} (" in done.stdout


def run_bench(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{script.removesuffix('.py')}", *args],
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
        cwd=ROOT,  # `bench` is a package at the repo root
    )
    return done.stdout


@pytest.mark.integration
def test_stock_pickup_benchmark_reports_every_call() -> None:
    out = run_bench("pickup_stock.py", "--tries", "1", "--stock-intervals", "1", "--wait", "5")
    for call in ("create", "update", "pause", "delete"):
        assert f"| stock RedBeat, 1 s | {call} | 1 | 0 |" in out


@pytest.mark.integration
def test_failover_benchmark_reports_both_signals_and_no_doubled_slot() -> None:
    out = run_bench("failover", "--rounds", "1", "--schedules", "5", "--no-stock")
    assert "| ours (defaults) | SIGKILL | 1 |" in out
    assert "| ours (defaults) | SIGTERM | 1 |" in out


@pytest.mark.integration
def test_lateness_benchmark_sends_every_entry_on_both_sides() -> None:
    out = run_bench(
        "lateness.py", "--entries", "4", "--seconds", "2", "--stock-intervals", "1", "--lead", "6"
    )
    assert "| ours (BatchScheduler, 1 s) | 4 | 4 |" in out
    assert "| stock RedBeat, 1 s | 4 | 4 |" in out


@pytest.mark.integration
def test_throughput_benchmark_sends_every_entry_on_both_sides() -> None:
    out = run_bench("throughput.py", "--sizes", "10", "--lead", "6")
    assert "| ours (BatchScheduler, 1 s) | 10 |" in out
    assert "| stock RedBeat, 300 s (default) | 10 |" in out
    assert out.count("| 10 |\n") == 2  # both rows end with 10 messages queued


@pytest.mark.integration
def test_idle_benchmark_reports_both_beats() -> None:
    out = run_bench("idle.py", "--sizes", "50", "--duration", "0.5", "--stock-intervals", "300")
    assert "| ours (BatchScheduler, 1 s) | 50 |" in out
    assert "| stock RedBeat, 300 s (default) | 50 |" in out


@pytest.mark.integration
def test_memory_benchmark_reports_both_writers() -> None:
    out = run_bench("memory.py", "--sizes", "50")
    assert "| ours (store format) | 50 |" in out
    assert "| stock RedBeat entry.save() | 50 |" in out


@pytest.mark.integration
def test_history_benchmark_measures_records_through_the_store() -> None:
    out = run_bench("history.py", "--sizes", "0", "--records", "40")
    for kind in ("succeeded", "failed"):
        assert f"| {kind} | 40 schedules × 1 |" in out
        assert f"| {kind} | 1 schedule × 40 (trimmed) |" in out
    assert "| 40 (one per schedule) |" in out


@pytest.mark.integration
def test_history_benchmark_runs_beat_with_history_on_and_off() -> None:
    out = run_bench(
        "history.py", "--sizes", "10", "--rounds", "1", "--no-stock", "--lead", "4",
        "--records", "0",
    )  # fmt: skip
    # With history on every fire is left in progress (no worker); with it off, none.
    assert re.search(r"\| 1 \| ours, history on \| 10 \|.*\| 10 \| -?[\d,]+ \| 10 \|", out), out
    assert re.search(r"\| 1 \| ours, history off \| 10 \|.*\| 0 \| -?[\d,]+ \| 10 \|", out), out
    assert "| 1 | stock RedBeat" not in out


@pytest.mark.integration
def test_api_load_benchmark_reports_every_call_without_errors() -> None:
    out = run_bench("api_load.py", "--schedules", "20", "--concurrency", "2", "--duration", "0.3")
    for call in ("list", "get", "create", "update", "delete"):
        assert f"| {call} | 2 |" in out
        assert re.search(rf"\| {call} \| 2 \| [1-9]\d* \| 0 \|", out), out


@pytest.mark.integration
def test_tools_scale_benchmark_lists_every_schedule() -> None:
    out = run_bench("tools_scale.py", "--schedules", "30")
    assert "| GET list, all 1 pages (limit 1000) | - |" in out
    assert "| 30 |" in out
    assert "check_schedules.sh" in out


@pytest.mark.integration
def test_status_benchmark_times_status_ping_and_metrics() -> None:
    out = run_bench("status.py", "--schedules", "20", "--calls", "2")
    assert "20 schedules, 61 keys in Redis, no worker running" in out
    for call in ("status (workers from heartbeats) | 2 |", "?ping=true (live ping) | 3 |"):
        assert call in out
    assert "| metrics | 2 |" in out


@pytest.mark.integration
def test_metrics_cost_benchmark_counts_the_added_commands() -> None:
    out = run_bench("metrics_cost.py", "--fires", "5", "--rounds", "2")
    # Deterministic: a skip's counter is one command; a run's end nine while fewer than
    # METRICS_SCHEDULE_LIMIT schedules have series (eight after).
    skip = re.search(r"fire skipped \| ([\d.]+) \| ([\d.]+) \|", out)
    finish = re.search(r"FINISH_RUN \| ([\d.]+) \| ([\d.]+) \|", out)
    assert skip and float(skip[2]) - float(skip[1]) == 1.0, out
    assert finish and float(finish[2]) - float(finish[1]) == 9.0, out


@pytest.mark.integration
def test_run_all_runs_the_chosen_benchmarks() -> None:
    out = run_bench("run_all.py", "--smoke", "--only", "memory")
    assert "## memory" in out
    assert "| ours (store format) | 100 |" in out
    assert "## throughput" not in out
