"""Domain errors. The API maps each class to one HTTP status in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One reason a schedule was refused: the field, the bad value, and why."""

    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} (got {self.value!r})"


class ScheduleError(Exception):
    """Base class of everything the schedule layer refuses."""


class InvalidSchedule(ScheduleError):
    """The definition is wrong; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class ScheduleNotFound(ScheduleError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no schedule named {name!r}")


class ScheduleExists(ScheduleError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"a schedule named {name!r} already exists")


class VersionMismatch(ScheduleError):
    """An If-Match precondition failed: someone else changed the entry first."""

    def __init__(self, name: str, expected: str, actual: str) -> None:
        self.name = name
        self.expected = expected
        self.actual = actual
        super().__init__(f"schedule {name!r} is at version {actual}, not {expected}")


class RunRefused(ScheduleError):
    """Run-now refused by the schedule's policy (a run in progress, its lock group busy)."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        what = {
            "overlap": "a run of it is still queued or running (overlap policy)",
            "lock_key": "another schedule with its lock_key is running",
        }.get(reason, reason)
        super().__init__(f"schedule {name!r} not run: {what}; pass force to run it anyway")


def invalid(field: str, value: Any, message: str) -> InvalidSchedule:
    return InvalidSchedule([Problem(field, value, message)])
