"""The range of each crontab field, checked before Celery parses the field.

Celery's parser takes some values that cannot mean what was written: a step larger than
the field (`*/61` minutes is minute 0 only), weekday and month names in any field (`jan`
as a minute is 1), digits of other scripts, text after a range (`1-5-9` is `1-5`). Where
it refuses, its message can name the wrong thing ("Invalid weekday literal" for an
hour). This check refuses all of them first, naming the number and the allowed range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# One list item: `*`, a value or a range a-b (wrapping past the end, as in Celery:
# hour 23-1 is 23, 0, 1), then an optional /step. Values are ASCII digits or names.
ITEM = re.compile(
    r"(?:(?P<star>\*)|(?P<start>[0-9]+|[a-z]+)(?:-(?P<end>[0-9]+|[a-z]+))?)"
    r"(?:/(?P<step>[0-9]+))?",
    re.ASCII | re.IGNORECASE,
)


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int
    names: tuple[str, ...] = ()  # full names, counted from `low`; their first 3 letters too
    hint: str = ""

    @property
    def span(self) -> int:
        return self.high - self.low + 1

    def number(self, token: str) -> int:
        if token.isdigit():
            value = int(token)
        else:
            value = self._name(token)
        if not self.low <= value <= self.high:
            raise ValueError(f"{value} is out of range {self.low}-{self.high}{self.hint}")
        return value

    def _name(self, token: str) -> int:
        lowered = token.lower()
        for i, name in enumerate(self.names):
            if lowered in (name, name[:3]):
                return self.low + i
        allowed = "a number" if not self.names else "a number or a name such as " + self.names[1]
        raise ValueError(f"{token!r} is not {allowed}")


# Celery's crontab counts Sunday as 0 and refuses 7 (the other Sunday of some crons).
BOUNDS = {
    "minute": Bounds(0, 59),
    "hour": Bounds(0, 23),
    "day_of_week": Bounds(0, 6, DAY_NAMES, " (Sunday is 0)"),
    "day_of_month": Bounds(1, 31),
    "month_of_year": Bounds(1, 12, MONTH_NAMES),
}


def check_bounds(field: str, value: str) -> None:
    """Raise ValueError naming the first item of `value` outside `field`'s range."""
    bounds = BOUNDS[field]
    # Spaces around list items are Celery's to ignore ("1, 2"), so they are ours too.
    for item in (part.strip() for part in value.split(",")):
        match = ITEM.fullmatch(item)
        if match is None:
            raise ValueError(
                f"{item!r} is not a crontab item: use a number, a range a-b, a step */n "
                "or a-b/n, or a list of them separated by commas"
            )
        if match["start"] is not None:
            bounds.number(match["start"])
        if match["end"] is not None:
            bounds.number(match["end"])
        step = match["step"]
        if step is None:
            continue
        if match["start"] is not None and match["end"] is None:
            raise ValueError(f"{item!r}: a step needs * or a range before it, as in */{step}")
        if not 1 <= int(step) <= bounds.span:
            raise ValueError(
                f"step {int(step)} in {item!r} is out of range 1-{bounds.span} "
                f"(a larger step only ever matches the first {field.replace('_', ' ')})"
            )
