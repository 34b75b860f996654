"""`collect [supplier]`: seed 001's manual collection, as a run-now of the schedule that
collects that supplier, so the run is recorded, honours its overlap policy and shows in
the schedule's history like any other.

The schedule is found by what it runs, not by its name: `collect 오너클랜` runs the
schedule whose task is collect_supplier with kwargs.supplier 오너클랜 (or `ownerclan`,
the same supplier), whatever schedules.json calls it; `collect` alone runs the one whose
task is collect_all_suppliers.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.cli.context import Context
from app.cli.failures import EXIT_FAILED
from app.schedules import Entry, ListFilter, iter_chunks
from app.tasks.suppliers import SUPPLIER_ALIASES, SUPPLIERS

COLLECT_ONE = "app.tasks.collection.collect_supplier"
COLLECT_ALL = "app.tasks.collection.collect_all_suppliers"


def add_command(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    command = sub.add_parser(
        "collect",
        parents=[common],
        help="run a supplier's collection now (e.g. 오너클랜), or every supplier's",
    )
    command.add_argument(
        "supplier", nargs="?", help="a supplier as schedules name it: 오너클랜, 젠트레이드, ..."
    )
    command.add_argument(
        "--force",
        action="store_true",
        help="run even while a run of that schedule is in progress",
    )
    command.set_defaults(handler=run_collect)


@dataclass(frozen=True)
class Target:
    """A collection schedule and the supplier it collects (None: all of them)."""

    entry: Entry
    supplier: str | None


def supplier_id(name: object) -> str | None:
    """`오너클랜` and `ownerclan` are one supplier: its canonical id, or None."""
    if not isinstance(name, str):
        return None
    key = name.strip()
    return SUPPLIER_ALIASES.get(key) or SUPPLIER_ALIASES.get(key.lower())


def korean(supplier: str) -> str:
    return SUPPLIERS.get(supplier, supplier)


def schedules_of(ctx: Context, task: str) -> Iterator[Entry]:
    """Every schedule of `task`, in name order (enabled or not: collecting by hand is an
    explicit request, as run-now is for a paused schedule)."""
    for chunk in iter_chunks(ctx.store, None, ListFilter(task=task)):
        yield from (entry for _name, entry in chunk if entry is not None)


def find_targets(ctx: Context) -> dict[str, Target]:
    """The per-supplier collection schedules, by supplier id (the first by name wins)."""
    found: dict[str, Target] = {}
    for entry in schedules_of(ctx, COLLECT_ONE):
        sid = supplier_id(entry.kwargs.get("supplier"))
        if sid is not None and sid not in found:
            found[sid] = Target(entry, sid)
    return found


def choose(ctx: Context, supplier: str | None) -> Target | str:
    """The schedule to run, or the sentence saying why there is none."""
    if supplier is None:
        entry = next(schedules_of(ctx, COLLECT_ALL), None)
        if entry is None:
            return ctx.message("cli_collect_no_all", task=COLLECT_ALL)
        return Target(entry, None)
    targets = find_targets(ctx)
    known = ", ".join(korean(sid) for sid in SUPPLIERS if sid in targets) or "-"
    sid = supplier_id(supplier)
    if sid is None:
        return ctx.message("cli_collect_unknown", supplier=supplier, known=known)
    if sid not in targets:
        return ctx.message("cli_collect_no_schedule", supplier=korean(sid), known=known)
    return targets[sid]


def run_collect(ctx: Context, args: argparse.Namespace) -> int:
    target = choose(ctx, args.supplier)
    if isinstance(target, str):
        ctx.warn(target)
        return EXIT_FAILED
    name = target.entry.name
    task_id = ctx.service.run_now(name, force=args.force)
    what = korean(target.supplier) if target.supplier else ctx.message("cli_collect_everyone")
    ctx.say(ctx.message("cli_collect_sent", what=what, name=name, task_id=task_id))
    if ctx.service.pause_state().paused:
        ctx.say(ctx.message("cli_collect_while_paused"))
    ctx.say(ctx.message("cli_collect_follow", name=name))
    return 0
