"""Reading schedules.json: all of it valid, or an error that says where.

The file maps schedule names to definitions in the same shape the API takes:
    {"schedules": {"주간업데이트": {"task": "...", "day_of_week": "1", "hour": 6, ...}}}
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.schedules import (
    FileMark,
    InvalidSchedule,
    Problem,
    ScheduleSpec,
    ScheduleStore,
    TaskRegistry,
    same_arguments,
    validate_name,
    validate_spec,
)
from app.schedules_file.spec_cache import SpecCache, Validated, cache_key

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
    # Every entry's spec; those the cache vouched for are validated on first use.
    specs: Mapping[str, ScheduleSpec]
    # Every entry's ScheduleSpec.digest(), which is all a sync needs of an entry
    # unchanged since it was last applied.
    digests: Mapping[str, str]


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a file's load and sync.

    They allocate hundreds of thousands of objects (parsed JSON, specs, encoded fields)
    that hold no cycles, and the collector would walk the growing heap again and again
    on the way: with it paused, loading a 100,000-entry file takes a quarter less, and
    a reload of one the cache knows half. Reference counting still frees all of it;
    the collector runs as usual once it is resumed (not resumed if it was off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


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
    """Every entry of a parsed document, validated; FileError naming each bad field."""
    return dict(validate_entries(doc, path, registry, store))


def validate_entries(
    doc: dict[str, Any], path: Path, registry: TaskRegistry, store: ScheduleStore | None = None
) -> Validated:
    """Every entry checked, or FileError. An entry exactly as an earlier valid file
    held it is not validated again (see SpecCache): a file of 100,000 entries with one
    edited costs one validation."""
    cache = SpecCache.for_context(registry)
    out = Validated(registry)
    problems: list[Problem] = []
    kept = _KeptBy(store)
    for name, raw in doc["schedules"].items():
        key = cache_key(name, raw)
        digest = cache.get(key)
        if digest is not None:
            out.vouched(name, raw, digest, key)
            continue
        try:
            validate_name(name)
            spec = validate_spec(raw, registry, kept=kept.asker(name))
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
        else:
            # One kept only because Redis holds its arguments is checked afresh each time.
            out.validated(name, spec, None if kept.asked(name) else key)
    if problems:
        summary = "; ".join(str(p) for p in problems)
        raise FileError(path, f"{len(problems)} invalid field(s): {summary}", problems)
    cache.replace(out.cache_keys)
    return out


class _KeptBy:
    """Whether the sync would write an entry's args and kwargs anew, for the argument
    limits (asked only of an entry over one): not when the entry is unchanged in the
    file since it was last applied, nor when the store holds the same args and kwargs.
    So a lowered MAX_ARGS_* never refuses the file for a schedule it already holds.
    The file index is read once, on the first question."""

    def __init__(self, store: ScheduleStore | None) -> None:
        self.store = store
        self.index: dict[str, FileMark] | None = None
        self.asked_of: set[str] = set()

    def asked(self, name: str) -> bool:
        return name in self.asked_of

    def asker(self, name: str) -> Callable[[ScheduleSpec], bool] | None:
        store = self.store
        if store is None:
            return None

        def kept(spec: ScheduleSpec) -> bool:
            self.asked_of.add(name)
            if self.index is None:
                self.index = store.file_index()
            mark = self.index.get(name)
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
    checked = validate_entries(parse_document(text, path), path, registry, store)
    return FileSchedules(path, hashlib.sha256(raw).hexdigest(), checked, checked.digests)


def render_document(specs: dict[str, ScheduleSpec]) -> str:
    """The file's own format, as export writes it (stable order, Korean kept readable)."""
    doc = {
        "$schema": SCHEMA_REF,
        "schedules": {name: specs[name].to_document() for name in sorted(specs)},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
