"""Helpers shared by every task: simulated runs, input checks, stable stand-in numbers.

Tasks receive their kwargs from Redis, which anyone with write access can fill, so each
task re-checks its input here even though the API validated it first. Errors are
ValueError with the parameter name first, so the run history tells the operator which
field to fix.
"""

import math
import time
import zlib
from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator

# A day: longer than any schedule's sensible timeout, short enough that a typo
# (seconds meant as milliseconds) cannot park a worker for weeks.
MAX_SIMULATE_SECONDS = 24 * 3600.0
# Short sleeps so that an exception raised from a signal handler (Celery's soft time
# limit, a warm shutdown) lands within a fraction of a second of being sent.
_SLEEP_STEP_SECONDS = 0.2


class SimulatedFailure(RuntimeError):
    """Raised on purpose by `simulate_failure=True`, to exercise failure handling."""


def check_simulate_seconds(value: object) -> float:
    return check_seconds("simulate_seconds", value, MAX_SIMULATE_SECONDS)


# A parameter's own check as pydantic metadata: the task registry runs it before a
# schedule is written, and the task runs the same function when it starts.
SimulateSeconds = Annotated[float, AfterValidator(check_simulate_seconds)]


def simulate(task: str, simulate_seconds: float, simulate_failure: bool) -> None:
    """Sleep `simulate_seconds` (at least), then raise SimulatedFailure if asked to."""
    seconds = check_simulate_seconds(simulate_seconds)
    fail = check_bool("simulate_failure", simulate_failure)
    # A monotonic deadline, not a sum of sleeps: the run lasts at least the requested
    # time even if a sleep returns early or the wall clock jumps.
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, _SLEEP_STEP_SECONDS))
    if fail:
        raise SimulatedFailure(f"{task}: simulated failure (simulate_failure=True)")


def check_seconds(name: str, value: object, maximum: float) -> float:
    """`value` as a finite number of seconds in [0, maximum]."""
    # bool is an int subclass; `true` in JSON kwargs is a mistake, not one second.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: expected a number of seconds, got {value!r}")
    if not math.isfinite(value) or not 0 <= value <= maximum:
        raise ValueError(f"{name}: must be between 0 and {maximum:g} seconds, got {value!r}")
    return float(value)


def check_int(name: str, value: object, minimum: int, maximum: int) -> int:
    """`value` as an int in [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name}: must be between {minimum} and {maximum}, got {value!r}")
    return value


def check_bool(name: str, value: object) -> bool:
    """`value` if it is a real bool: the string "false" is truthy and would flip a mode."""
    if not isinstance(value, bool):
        raise ValueError(f"{name}: expected true or false, got {value!r}")
    return value


def check_names(name: str, values: object, aliases: Mapping[str, str]) -> list[str]:
    """Canonical ids for a non-empty list of names, in order, without duplicates.

    `aliases` maps every accepted spelling (ids, Korean names) to its canonical id.
    """
    if not isinstance(values, list | tuple) or not values:
        raise ValueError(f"{name}: expected a non-empty list of names, got {values!r}")
    ids = [canonical_name(name, value, aliases) for value in values]
    return list(dict.fromkeys(ids))


def canonical_name(name: str, value: object, aliases: Mapping[str, str]) -> str:
    """The canonical id for one name, accepting any spelling in `aliases`, any case."""
    if isinstance(value, str):
        key = value.strip()
        found = aliases.get(key) or aliases.get(key.lower())
        if found is not None:
            return found
    known = ", ".join(sorted(set(aliases.values())))
    raise ValueError(f"{name}: unknown name {value!r} (known: {known})")


def stable_int(key: str, low: int, high: int) -> int:
    """A number in [low, high] that depends only on `key`: stand-ins must be repeatable.

    crc32 rather than hash(): str hashes change with every process (PYTHONHASHSEED).
    """
    return low + zlib.crc32(key.encode("utf-8")) % (high - low + 1)
