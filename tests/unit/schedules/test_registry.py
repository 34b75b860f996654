"""app/schedules/registry.py: which tasks may be scheduled and with what arguments."""

from typing import Any

import pytest
from celery import Celery

from app.core.celery_app import celery_app
from app.schedules.errors import InvalidSchedule
from app.schedules.registry import TaskRegistry
from app.schedules.validation import validate_spec

# The ten tasks backend/app/tasks/README.md documents.
SEED_TASKS = [
    "app.tasks.collection.collect_wholesale_products",
    "app.tasks.collection.collect_supplier",
    "app.tasks.collection.collect_all_suppliers",
    "app.tasks.collection.collect_bestsellers",
    "app.tasks.media.process_images",
    "app.tasks.maintenance.cleanup_old_data",
    "app.tasks.maintenance.health_check",
    "app.tasks.reports.generate_daily_report",
    "app.tasks.reports.analyze_trends",
    "app.tasks.scheduler.crawl_all_complexes",
]
BARE = [name.rsplit(".", 1)[-1] for name in SEED_TASKS]


@pytest.mark.parametrize("name", SEED_TASKS, ids=BARE)
def test_seed_task_is_registered(registry: TaskRegistry, name: str) -> None:
    assert name in registry.names()
    assert registry.resolve(name).name == name


@pytest.mark.parametrize(("bare", "full"), list(zip(BARE, SEED_TASKS, strict=True)), ids=BARE)
def test_bare_function_name_resolves_to_full_name(
    registry: TaskRegistry, bare: str, full: str
) -> None:
    # Seed 000 names tasks by function: "function_name": "collect_wholesale_products".
    assert registry.resolve(bare).name == full


@pytest.mark.parametrize("name", ["app.tasks.nope", "nope", "collection", "", "app.tasks"])
def test_unknown_task_error_lists_the_available_ones(registry: TaskRegistry, name: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        registry.resolve(name)
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == ("task", name)
    for available in SEED_TASKS:
        assert available in problem.message


def _noop() -> None:
    """Does nothing."""


def test_ambiguous_bare_name_is_refused() -> None:
    app = Celery("ambiguity", set_as_current=False)
    app.task(name="app.tasks.one.run")(_noop)
    app.task(name="app.tasks.two.run")(_noop)
    registry = TaskRegistry.from_celery(app)
    assert registry.resolve("app.tasks.one.run").name == "app.tasks.one.run"
    with pytest.raises(InvalidSchedule):
        registry.resolve("run")


CELERY_BUILTINS = sorted(n for n in celery_app.tasks if not n.startswith("app."))


def test_celery_has_builtins_to_refuse() -> None:
    # Guards the next test against passing over an empty list.
    assert "celery.backend_cleanup" in CELERY_BUILTINS


@pytest.mark.parametrize("name", [*CELERY_BUILTINS, "backend_cleanup", "chord_unlock"])
def test_celery_builtins_are_not_schedulable(registry: TaskRegistry, name: str) -> None:
    assert name not in registry.names()
    with pytest.raises(InvalidSchedule):
        registry.resolve(name)


# (task, args, kwargs) the task accepts.
ACCEPTED: list[tuple[str, list[Any], dict[str, Any]]] = [
    ("collect_wholesale_products", [], {}),
    (
        "collect_wholesale_products",
        [],
        {"suppliers": ["zentrade", "ownerclan", "domeggook", "domomae"], "test_mode": False},
    ),
    ("collect_supplier", [], {"supplier": "오너클랜"}),
    ("collect_supplier", ["오너클랜"], {}),
    ("collect_bestsellers", [], {"marketplaces": ["coupang", "naver"]}),
    ("process_images", [], {"limit": 100, "suppliers": None}),
    ("process_images", [], {"suppliers": ["zentrade"]}),
    ("cleanup_old_data", [], {"days": 30}),
    # An int where a float is declared is exact, so strict mode takes it.
    ("health_check", [], {"broker_timeout_seconds": 2}),
    ("generate_daily_report", [], {"report_date": None}),
    ("crawl_all_complexes", [], {"simulate_seconds": 0.5, "simulate_failure": False}),
]


@pytest.mark.parametrize(("task", "args", "kwargs"), ACCEPTED)
def test_check_call_accepts(
    registry: TaskRegistry, task: str, args: list[Any], kwargs: dict[str, Any]
) -> None:
    registry.check_call(registry.resolve(task), args, kwargs)


# (task, args, kwargs, field named, value named)
REFUSED: list[Any] = [
    pytest.param("process_images", [], {"size": 3}, "kwargs", {"size": 3}, id="unknown_kwarg"),
    pytest.param("process_images", [], {"limit": "100"}, "kwargs.limit", "100", id="str_for_int"),
    pytest.param("process_images", [], {"limit": 100.0}, "kwargs.limit", 100.0, id="float_for_int"),
    pytest.param("process_images", [], {"limit": True}, "kwargs.limit", True, id="bool_for_int"),
    pytest.param(
        "collect_wholesale_products",
        [],
        {"test_mode": "false"},
        "kwargs.test_mode",
        "false",
        id="str_for_bool",
    ),
    pytest.param(
        "collect_wholesale_products", [], {"test_mode": 0}, "kwargs.test_mode", 0, id="int_for_bool"
    ),
    pytest.param(
        "process_images",
        [],
        {"suppliers": ["zentrade", 1]},
        "kwargs.suppliers.1",
        1,
        id="bad_list_item",
    ),
    pytest.param(
        "collect_bestsellers",
        [],
        {"marketplaces": "coupang"},
        "kwargs.marketplaces",
        "coupang",
        id="str_for_list",
    ),
    pytest.param("collect_supplier", [], {}, "kwargs", {}, id="missing_required"),
    pytest.param(
        "collect_supplier", ["a"], {"supplier": "b"}, "kwargs", {"supplier": "b"}, id="given_twice"
    ),
    pytest.param("crawl_all_complexes", [1, 2, 3], {}, "args", [1, 2, 3], id="too_many_args"),
]


@pytest.mark.parametrize(("task", "args", "kwargs", "field", "value"), REFUSED)
def test_check_call_refuses(
    registry: TaskRegistry,
    task: str,
    args: list[Any],
    kwargs: dict[str, Any],
    field: str,
    value: Any,
) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        registry.check_call(registry.resolve(task), args, kwargs)
    assert [(p.field, p.value) for p in caught.value.problems] == [(field, value)]


def test_task_info_describes_parameters(registry: TaskRegistry) -> None:
    info = registry.resolve("collect_supplier").as_dict()
    assert info["name"] == "app.tasks.collection.collect_supplier"
    assert info["description"]
    supplier = info["parameters"][0]
    assert (supplier["name"], supplier["type"], supplier["required"]) == ("supplier", "str", True)
    optional = {p["name"]: p for p in info["parameters"][1:]}
    assert optional["simulate_seconds"]["required"] is False
    assert optional["simulate_seconds"]["default"] == 0.0


def test_validate_spec_stores_the_full_task_name(registry: TaskRegistry) -> None:
    spec = validate_spec(
        {
            "task": "collect_wholesale_products",
            "cron": "0 3 * * *",
            "parameters": {"test_mode": False},
        },
        registry,
    )
    assert spec.task == "app.tasks.collection.collect_wholesale_products"
    assert spec.kwargs == {"test_mode": False}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"task": "nope", "interval": 60}, "task"),
        ({"task": "process_images", "interval": 60, "kwargs": {"limit": "100"}}, "kwargs.limit"),
        ({"task": "collect_supplier", "interval": 60}, "kwargs"),
        ({"task": "collect_supplier", "interval": 0, "kwargs": {"supplier": "x"}}, "interval"),
    ],
)
def test_validate_spec_refuses(registry: TaskRegistry, raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        validate_spec(raw, registry)
    assert [p.field for p in caught.value.problems] == [field]
