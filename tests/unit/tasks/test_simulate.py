"""The shared helpers in app/tasks/_simulate.py."""

import math
import re
import time

import pytest

from app.tasks._simulate import (
    MAX_SIMULATE_SECONDS,
    SimulatedFailure,
    canonical_name,
    check_bool,
    check_int,
    check_names,
    simulate,
    stable_int,
)

ALIASES = {"zentrade": "zentrade", "젠트레이드": "zentrade", "ownerclan": "ownerclan"}


def test_simulate_sleeps_at_least_the_requested_time() -> None:
    started = time.monotonic()
    simulate("t", 0.3, False)
    assert time.monotonic() - started >= 0.3


def test_simulate_failure_raises_after_the_sleep() -> None:
    started = time.monotonic()
    with pytest.raises(SimulatedFailure, match="simulated failure"):
        simulate("t", 0.2, True)
    assert time.monotonic() - started >= 0.2


def test_simulated_failure_is_a_runtime_error() -> None:
    assert issubclass(SimulatedFailure, RuntimeError)


@pytest.mark.parametrize(
    "seconds",
    [-0.001, MAX_SIMULATE_SECONDS + 1, math.nan, math.inf, True, "1", None],
)
def test_simulate_rejects_bad_seconds_naming_the_parameter(seconds: object) -> None:
    with pytest.raises(ValueError, match=r"^simulate_seconds: .*" + re.escape(repr(seconds))):
        simulate("t", seconds, False)  # type: ignore[arg-type]


@pytest.mark.parametrize("failure", ["false", 0, None])
def test_simulate_rejects_non_bool_failure_flag(failure: object) -> None:
    with pytest.raises(ValueError, match="^simulate_failure: "):
        simulate("t", 0.0, failure)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "minimum", "maximum"),
    [(-1, 0, 10), (11, 0, 10), (True, 0, 10), (1.5, 0, 10), ("3", 0, 10)],
)
def test_check_int_rejects(value: object, minimum: int, maximum: int) -> None:
    with pytest.raises(ValueError, match=r"^limit: .*" + re.escape(repr(value))):
        check_int("limit", value, minimum, maximum)


def test_check_bool_rejects_strings() -> None:
    with pytest.raises(ValueError, match="^test_mode: .*'false'"):
        check_bool("test_mode", "false")


def test_check_names_canonicalises_and_deduplicates_in_order() -> None:
    names = ["ownerclan", "젠트레이드", " ZenTrade ", "zentrade"]
    assert check_names("suppliers", names, ALIASES) == ["ownerclan", "zentrade"]


@pytest.mark.parametrize("values", [[], "zentrade", None, {"zentrade": 1}])
def test_check_names_wants_a_non_empty_list(values: object) -> None:
    with pytest.raises(ValueError, match="^suppliers: expected a non-empty list"):
        check_names("suppliers", values, ALIASES)


@pytest.mark.parametrize("value", ["nope", "", 3, None])
def test_canonical_name_rejects_unknown_naming_parameter_and_value(value: object) -> None:
    with pytest.raises(ValueError, match=r"^supplier: unknown name " + re.escape(repr(value))):
        canonical_name("supplier", value, ALIASES)


def test_stable_int_is_repeatable_and_in_range() -> None:
    values = [stable_int(f"key{i}", 5, 9) for i in range(200)]
    assert values == [stable_int(f"key{i}", 5, 9) for i in range(200)]
    assert set(values) == {5, 6, 7, 8, 9}
