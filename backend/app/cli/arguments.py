"""Argument types: each turns bad text into argparse's one-line usage error (exit 64)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import datetime


def seconds(value: str) -> float:
    number = float(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return number


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return number


def count_in(low: int, high: int) -> Callable[[str], int]:
    """A whole number in [low, high]; argparse names the option in its error."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return number

    return parse


_CURSOR = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")
UINT64 = 2**64 - 1


def cursor(value: str) -> str:
    """A stream id `<ms>-<seq>`, as `runs` prints it for the next page."""
    if not _CURSOR.fullmatch(value) or any(int(p) > UINT64 for p in value.split("-")):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a cursor that `runs` printed (e.g. 1767225600000-0)"
        )
    return value


def moment(value: str) -> datetime:
    """ISO 8601; without an offset it is read in TIMEZONE (resolved in main)."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 time") from None
