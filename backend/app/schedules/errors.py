"""Domain errors. The API maps each class to one HTTP status in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from app.core.redaction import HIDDEN, redacted_webhook


@dataclass(frozen=True)
class Problem:
    """One reason a schedule was refused: the field, the bad value, and why.

    A secret field's value is masked here, as the Problem is made: every rendering of
    it (the API's error body, the sync state the status API shows, Beat's log line,
    the CLI) then shows the masked one, and none can forget to.
    """

    field: str
    value: Any
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", masked(self.field, self.value))

    def __str__(self) -> str:
        return f"{self.field}: {self.message} (got {self.value!r})"


class ScheduleError(Exception):
    """Base class of everything the schedule layer refuses."""


class InvalidSchedule(ScheduleError):
    """The definition is wrong; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class TooManySchedules(InvalidSchedule):
    """A new entry beyond MAX_SCHEDULES; nothing was written."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        super().__init__(
            [
                Problem(
                    "name",
                    name,
                    f"not created: Redis holds {limit} schedules already, the most "
                    "MAX_SCHEDULES allows; delete some or raise MAX_SCHEDULES",
                )
            ]
        )


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


@contextmanager
def fields_renamed(rename: Callable[[str], str]) -> Iterator[None]:
    """A refusal raised inside names its fields as `rename` says: in the words of a
    caller whose shapes differ from the spec's (seed 000's jobs, seed 002's ScheduleJob)."""
    try:
        yield
    except InvalidSchedule as exc:
        problems = [Problem(rename(p.field), p.value, p.message) for p in exc.problems]
        raise InvalidSchedule(problems) from None


def invalid(field: str, value: Any, message: str) -> InvalidSchedule:
    return InvalidSchedule([Problem(field, value, message)])


def _secret_names() -> tuple[str, ...]:
    # Imported here: spec imports this module for Problem.
    from app.schedules.spec import SECRET_POLICY_FIELDS

    return SECRET_POLICY_FIELDS


def masked(field: str, value: Any) -> Any:
    """`value` with any secret in it masked, for an error message.

    A secret field is named `policy.alert_webhook_url`, `alert_webhook_url` (the flat
    spelling) or with a prefix (`schedules.<name>.policy.alert_webhook_url`), so its last
    part decides. A whole object refused at once (a schedule with two timings, a
    request body) carries such fields inside it: those are masked in a copy, at any
    depth. Masking a masked value changes nothing, so wrapping a Problem is safe.
    """
    names = _secret_names()
    if field.rsplit(".", 1)[-1] in names:
        return _hidden(value)
    return _masked_inside(value, names)


def _hidden(value: Any) -> Any:
    if value is None:
        return None
    return redacted_webhook(value) if isinstance(value, str) else HIDDEN


def _masked_inside(value: Any, names: tuple[str, ...]) -> Any:
    if isinstance(value, Mapping):
        return {k: _hidden(v) if k in names else _masked_inside(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_inside(v, names) for v in value]
    return value
