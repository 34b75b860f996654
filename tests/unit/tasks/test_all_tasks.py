"""What every task promises: registration, signature, simulation knobs, JSON results."""

import inspect
import json
import time
from typing import Any

import pytest

from app.core.celery_app import celery_app
from app.tasks import collection, maintenance, media, reports, scheduler, tables
from app.tasks._simulate import SimulatedFailure

# (task, the kwargs it needs to run, whether it stands in for an outside system). The
# clean-up and the daily report do real work on the run history (a fake Redis here, see
# conftest.py) and keep stand-in parts of their own, marked inside their results.
TASKS: list[tuple[Any, dict[str, Any], bool]] = [
    (collection.collect_wholesale_products, {}, True),
    (collection.collect_supplier, {"supplier": "ownerclan"}, True),
    (collection.collect_all_suppliers, {}, True),
    (collection.collect_bestsellers, {}, True),
    (media.process_images, {}, True),
    (maintenance.cleanup_old_data, {}, False),
    (maintenance.health_check, {}, False),
    # A fixed date: the default (today) would change the result at midnight.
    (reports.generate_daily_report, {"report_date": "2025-07-19"}, False),
    (reports.analyze_trends, {}, True),
    (scheduler.crawl_all_complexes, {}, True),
    # Fixed days, as for the report.
    (tables.create_daily_tables, {"day": "2025-07-19"}, True),
    (tables.create_monthly_summary_tables, {"month": "2025-07"}, True),
    (tables.cleanup_old_tables, {"day": "2025-07-19"}, True),
]
IDS = [task.name.rsplit(".", 1)[-1] for task, _, _ in TASKS]


@pytest.fixture(autouse=True)
def unreachable_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """health_check must not depend on whatever Redis happens to run on this machine."""
    monkeypatch.setattr(
        maintenance,
        "_probe_broker",
        lambda timeout: {"url": "redis://x", "reachable": False, "error": "down"},
    )


@pytest.mark.parametrize(("task", "kwargs", "stand_in"), TASKS, ids=IDS)
def test_registered_under_module_path_name(
    task: Any, kwargs: dict[str, Any], stand_in: bool
) -> None:
    assert task.name == f"{task.run.__module__}.{task.run.__name__}"
    assert celery_app.tasks[task.name].run is task.run


@pytest.mark.parametrize(("task", "kwargs", "stand_in"), TASKS, ids=IDS)
def test_signature_is_fully_typed_with_simulation_knobs(
    task: Any, kwargs: dict[str, Any], stand_in: bool
) -> None:
    params = inspect.signature(task.run).parameters
    for param in params.values():
        assert param.kind is param.POSITIONAL_OR_KEYWORD, param
        # Real types, not strings: the task registry builds pydantic models from them.
        assert param.annotation is not param.empty and not isinstance(param.annotation, str)
    assert params["simulate_seconds"].default == 0.0
    assert params["simulate_failure"].default is False


@pytest.mark.parametrize(("task", "kwargs", "stand_in"), TASKS, ids=IDS)
def test_docstring_summary_and_stand_in_notice(
    task: Any, kwargs: dict[str, Any], stand_in: bool
) -> None:
    doc = inspect.getdoc(task.run) or ""
    assert doc.splitlines()[0].endswith(".")
    flat = " ".join(doc.split())
    assert ("Stand-in:" in flat and "no network call is made" in flat) is stand_in


@pytest.mark.parametrize(("task", "kwargs", "stand_in"), TASKS, ids=IDS)
def test_result_is_json_and_marks_stand_ins(
    task: Any, kwargs: dict[str, Any], stand_in: bool
) -> None:
    result = task(**kwargs)
    assert json.loads(json.dumps(result)) == result
    assert result.get("stand_in", False) is stand_in


@pytest.mark.parametrize(
    ("task", "kwargs"),
    [(task, kwargs) for task, kwargs, stand_in in TASKS if stand_in],
    ids=[name for name, (_, _, stand_in) in zip(IDS, TASKS, strict=True) if stand_in],
)
def test_stand_ins_are_deterministic(task: Any, kwargs: dict[str, Any]) -> None:
    assert task(**kwargs) == task(**kwargs)


@pytest.mark.parametrize(("task", "kwargs", "stand_in"), TASKS, ids=IDS)
def test_logs_one_info_line_per_run(
    task: Any, kwargs: dict[str, Any], stand_in: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger=task.run.__module__)
    task(**kwargs)
    ours = [r for r in caplog.records if r.name == task.run.__module__]
    assert len(ours) == 1
    assert ours[0].levelname in ("INFO", "WARNING")  # WARNING: health check degraded


@pytest.mark.parametrize(("task", "kwargs", "stand_in"), TASKS, ids=IDS)
def test_simulate_failure_raises(task: Any, kwargs: dict[str, Any], stand_in: bool) -> None:
    with pytest.raises(SimulatedFailure, match=task.run.__name__):
        task(**kwargs, simulate_failure=True)


@pytest.mark.parametrize(("task", "kwargs", "stand_in"), TASKS, ids=IDS)
def test_simulate_seconds_sleeps(task: Any, kwargs: dict[str, Any], stand_in: bool) -> None:
    started = time.monotonic()
    task(**kwargs, simulate_seconds=0.25)
    assert time.monotonic() - started >= 0.25


@pytest.mark.parametrize(("task", "kwargs", "stand_in"), TASKS, ids=IDS)
@pytest.mark.parametrize("seconds", [-1.0, 24 * 3600 + 1.0])
def test_simulate_seconds_out_of_range(
    task: Any, kwargs: dict[str, Any], stand_in: bool, seconds: float
) -> None:
    with pytest.raises(ValueError, match=f"^simulate_seconds: .*{seconds!r}"):
        task(**kwargs, simulate_seconds=seconds)
