"""How much a schedule's arguments may hold (MAX_ARGS_BYTES, MAX_ARGS_DEPTH).

Every fire copies args and kwargs into a task message, the entry, and the run
history; a megabyte of arguments would be a megabyte per fire in Redis and in the
broker. Deep nesting costs every reader that walks it (JSON decoders recurse). The
limits are checked on arguments written anew (a create, or a change to args or kwargs
through the API, schedules.json or the CLI's apply), not on entries read back or
changed in other ways, so lowering a limit never makes a stored schedule unreadable,
nor one that cannot be paused, resumed or retimed.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from app.schedules.errors import InvalidSchedule, Problem


class Arguments(Protocol):
    """Anything holding a schedule's args and kwargs (a ScheduleSpec, a stored Entry)."""

    @property
    def args(self) -> list[Any]: ...

    @property
    def kwargs(self) -> dict[str, Any]: ...


def same_arguments(new: Arguments, stored: Arguments) -> bool:
    """Whether `new` keeps `stored`'s args and kwargs, compared as JSON: `1` and `true`
    (or `1.0`) are equal in Python but not in size, so they count as a change."""
    return _canonical(new) == _canonical(stored)


def _canonical(value: Arguments) -> str:
    return json.dumps([value.args, value.kwargs], sort_keys=True, separators=(",", ":"))


def encoded_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON, as it travels in a task message."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def nesting_depth(value: Any, stop: int) -> int:
    """Levels of lists and objects inside `value` (`[1, 2]` is 0, `[[1]]` is 1),
    counted without recursion and given up past `stop` (it is then `stop + 1`)."""
    deepest = 0
    level: list[Any] = [value]
    while level:
        inner = [
            child
            for item in level
            if isinstance(item, list | dict)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, list | dict)
        ]
        if not inner:
            break
        deepest += 1
        if deepest > stop:
            break
        level = inner
    return deepest


def check_arguments(
    args: list[Any], kwargs: dict[str, Any], max_bytes: int, max_depth: int
) -> None:
    """Raises InvalidSchedule naming `args` or `kwargs` and the limit it passes."""
    problems = []
    for field, value in (("args", args), ("kwargs", kwargs)):
        depth = nesting_depth(value, max_depth)
        if depth > max_depth:
            problems.append(
                Problem(
                    field,
                    value,
                    f"nests lists and objects more than {max_depth} levels deep (MAX_ARGS_DEPTH)",
                )
            )
        elif _lone_surrogate(value):
            problems.append(
                Problem(field, value, "holds a lone surrogate (\\ud800-\\udfff): not text")
            )
    if problems:
        raise InvalidSchedule(problems)
    sizes = {"args": encoded_size(args), "kwargs": encoded_size(kwargs)}
    total = sizes["args"] + sizes["kwargs"]
    if total > max_bytes:
        field = max(sizes, key=lambda f: sizes[f])
        raise InvalidSchedule(
            [
                Problem(
                    field,
                    args if field == "args" else kwargs,
                    f"args and kwargs together are {total} bytes of JSON, more than "
                    f"{max_bytes} (MAX_ARGS_BYTES)",
                )
            ]
        )


def _lone_surrogate(value: Any) -> bool:
    """JSON's `"\\ud800"` decodes to a string UTF-8 cannot encode: Redis could not store it."""
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False
