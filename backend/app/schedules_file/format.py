"""Reading schedules.json: all of it valid, or an error that says where.

The file maps schedule names to definitions in the same shape the API takes:
    {"schedules": {"주간업데이트": {"task": "...", "day_of_week": "1", "hour": 6, ...}}}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.schedules import (
    InvalidSchedule,
    Problem,
    ScheduleSpec,
    ScheduleStore,
    TaskRegistry,
    same_arguments,
    validate_name,
    validate_spec,
)

SCHEMA_REF = "./schedules.schema.json"


class FileError(Exception):
    """schedules.json cannot be applied; nothing was changed."""

    def __init__(self, path: Path, message: str, problems: list[Problem] | None = None) -> None:
        self.path = path
        self.message = message
        self.problems = problems or []
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class FileSchedules:
    path: Path
    digest: str
    specs: dict[str, ScheduleSpec]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def parse_document(text: str, path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise FileError(path, f"invalid JSON at {where}: {exc.msg}") from None
    except ValueError as exc:
        raise FileError(path, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise FileError(path, "invalid JSON: nested too deeply") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("schedules"), dict):
        raise FileError(path, 'the top level must be an object with a "schedules" object')
    unknown = set(doc) - {"$schema", "schedules"}
    if unknown:
        raise FileError(path, f"unknown top-level keys: {', '.join(sorted(unknown))}")
    return doc


def validate_document(
    doc: dict[str, Any], path: Path, registry: TaskRegistry, store: ScheduleStore | None = None
) -> dict[str, ScheduleSpec]:
    specs: dict[str, ScheduleSpec] = {}
    problems: list[Problem] = []
    for name, raw in doc["schedules"].items():
        try:
            validate_name(name)
            specs[name] = validate_spec(raw, registry, kept=_kept_by(store, name))
        except InvalidSchedule as exc:
            problems += [
                Problem(f"schedules.{name}.{p.field}", p.value, p.message) for p in exc.problems
            ]
        except Exception as exc:
            # A value no check foresaw: still a refused file naming its entry, never an
            # exception that would stop Beat's sync or the CLI's apply.
            problems.append(
                Problem(f"schedules.{name}", None, f"cannot be read ({type(exc).__name__})")
            )
    if problems:
        summary = "; ".join(str(p) for p in problems)
        raise FileError(path, f"{len(problems)} invalid field(s): {summary}", problems)
    return specs


def _kept_by(store: ScheduleStore | None, name: str) -> Callable[[ScheduleSpec], bool] | None:
    """Whether the sync would write the entry's args and kwargs anew, for the argument
    limits (asked only of an entry over one): not when the entry is unchanged in the file
    since it was last applied, nor when the store holds the same args and kwargs. So a
    lowered MAX_ARGS_* never refuses the file for a schedule it already holds."""
    if store is None:
        return None

    def kept(spec: ScheduleSpec) -> bool:
        mark = store.file_index().get(name)
        if mark is not None and not mark.deleted and mark.digest == spec.digest():
            return True
        entry = store.get(name)
        return entry is not None and same_arguments(spec, entry)

    return kept


def load_file(
    path: Path, registry: TaskRegistry, store: ScheduleStore | None = None
) -> FileSchedules:
    """`store`: the one the file is applied to; with none, every entry is checked as new."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileError(path, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError(path, f"not UTF-8 at byte {exc.start}") from None
    specs = validate_document(parse_document(text, path), path, registry, store)
    return FileSchedules(path, hashlib.sha256(raw).hexdigest(), specs)


def render_document(specs: dict[str, ScheduleSpec]) -> str:
    """The file's own format, as export writes it (stable order, Korean kept readable)."""
    doc = {
        "$schema": SCHEMA_REF,
        "schedules": {name: specs[name].to_document() for name in sorted(specs)},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
