"""`list` and `status`: every schedule as a table or JSON, then the system's state.

Rows are printed a chunk at a time as they are read (see table.py), so the first line
of a 100,000-schedule table appears after one chunk, not after all of them; the
summary, which needs the whole walk and a worker ping, comes last.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TextIO

from app.cli import render
from app.cli.context import Context
from app.cli.failures import RedisUnreachable
from app.cli.table import Cell, TableWriter
from app.core.config import Settings
from app.monitor import (
    HealthProblem,
    OverdueReport,
    SystemStatus,
    find_overdue,
    health_problems,
    read_status,
)
from app.presentation import entry_view
from app.schedules import Entry, ListFilter, iter_chunks, name_matches, overdue_by

UNREADABLE = "unreadable"


@dataclass
class Tally:
    shown: int = 0
    enabled: int = 0
    paused: int = 0
    overdue: int = 0
    unreadable: int = 0

    def count(self, view: dict[str, Any] | None, late: timedelta | None) -> None:
        self.shown += 1
        if view is None:
            self.unreadable += 1
            return
        self.enabled += bool(view["enabled"])
        self.paused += not view["enabled"]
        self.overdue += late is not None


@dataclass(frozen=True)
class Walk:
    """One pass over the matching entries: views with their lateness, and a tally."""

    ctx: Context
    args: argparse.Namespace
    now: datetime
    tally: Tally

    def chunks(self) -> Iterator[list[tuple[str, dict[str, Any] | None, timedelta | None]]]:
        flt = list_filter(self.args)
        for chunk in iter_chunks(self.ctx.store, self.args.pattern, flt):
            rows = [self._row(name, entry) for name, entry in chunk]
            yield rows

    def _row(
        self, name: str, entry: Entry | None
    ) -> tuple[str, dict[str, Any] | None, timedelta | None]:
        settings = self.ctx.settings
        view = entry_view(entry, settings.timezone, settings.language) if entry else None
        late = self._late(entry)
        self.tally.count(view, late)
        return name, view, late

    def _late(self, entry: Entry | None) -> timedelta | None:
        late = overdue_by(entry, self.now) if entry is not None else None
        return late if late is not None and late > grace_of(self.args) else None


def list_filter(args: argparse.Namespace) -> ListFilter:
    return ListFilter(task=args.task, enabled=args.enabled, origin=args.origin)


def grace_of(args: argparse.Namespace) -> timedelta:
    return timedelta(seconds=args.grace)


def grace_text(args: argparse.Namespace) -> str:
    return render.short_duration(args.grace)


def now_of(ctx: Context, args: argparse.Namespace) -> datetime:
    return args.now if args.now is not None else ctx.clock()


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    walk = Walk(ctx, args, now_of(ctx, args), Tally())
    if args.json:
        write_json(ctx.out, walk, tail=lambda: {"count": walk.tally.shown})
        return 0
    write_table(ctx, walk)
    return 0


def run_status(ctx: Context, args: argparse.Namespace) -> int:
    if args.check:
        return run_check(ctx, args)
    walk = Walk(ctx, args, now_of(ctx, args), Tally())
    if args.json:
        write_json(ctx.out, walk, tail=lambda: status_document(ctx, args, walk))
        return 0
    write_table(ctx, walk)
    status, _problems = evaluate(ctx, args)
    ctx.say()
    for line in summary_lines(ctx, args, walk.tally, status):
        ctx.say(line)
    return 0


def write_table(ctx: Context, walk: Walk) -> None:
    writer = TableWriter(render.COLUMNS, ctx.out, ctx.style)
    settings = ctx.settings
    for chunk in walk.chunks():
        writer.write_chunk([table_row(name, view, late, settings) for name, view, late in chunk])
    writer.close()
    if walk.tally.shown == 0:
        ctx.say(ctx.message("cli_no_schedules"))


def table_row(
    name: str, view: dict[str, Any] | None, late: timedelta | None, settings: Settings
) -> list[Cell]:
    if view is None:
        blank = [Cell("-")] * (len(render.COLUMNS) - 2)
        return [Cell(name), *blank[:2], Cell(UNREADABLE, ("red",)), *blank[2:]]
    return render.entry_row(view, settings.timezone, late, settings.language)


def summary_lines(
    ctx: Context, args: argparse.Namespace, tally: Tally, status: SystemStatus
) -> list[str]:
    stored = status.schedules if status.schedules is not None else "?"
    settings = ctx.settings
    lines = [
        ctx.message(
            "cli_summary_schedules",
            shown=tally.shown,
            stored=stored,
            enabled=tally.enabled,
            paused=tally.paused,
            overdue=tally.overdue,
            grace=grace_text(args),
        ),
        ctx.message("cli_summary_times", timezone=settings.timezone),
    ]
    if tally.unreadable:
        lines.append(ctx.message("cli_summary_unreadable", count=tally.unreadable))
    if status.beat is not None:
        now = now_of(ctx, args)
        lines.append(render.beat_line(status.beat, now, settings.timezone, settings.language))
    lines.append(render.workers_line(status, args.ping_timeout, settings.language))
    lines.append(render.sync_line(status.sync, settings.timezone, settings.language))
    lines.append(ctx.message("cli_redis_ok", url=status.redis_url))
    return lines


def json_entry(name: str, view: dict[str, Any] | None, late: timedelta | None) -> dict[str, Any]:
    if view is None:
        return {"name": name, "error": UNREADABLE}
    # No run history exists yet: the outcome is unknown, not "succeeded".
    overdue = late.total_seconds() if late is not None else None
    return {**view, "last_outcome": None, "overdue_seconds": overdue}


def write_json(out: TextIO, walk: Walk, tail: Callable[[], dict[str, Any]]) -> None:
    """One JSON document, written as the entries are read: one schedule per line."""
    head = {"timezone": walk.ctx.settings.timezone, "now": walk.now.isoformat()}
    chunks = walk.chunks()
    # Read before writing: if Redis is down, stdout gets nothing rather than half a document.
    first = next(chunks, [])
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "schedules": [')
    separator = "\n"
    for chunk in itertools.chain([first], chunks):
        for name, view, late in chunk:
            out.write(separator + json.dumps(json_entry(name, view, late), ensure_ascii=False))
            separator = ",\n"
    out.write("\n]")
    for key, value in tail().items():
        out.write(f", {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    out.write("}\n")


def overdue_matching(ctx: Context, args: argparse.Namespace) -> OverdueReport:
    report = find_overdue(ctx.store, now_of(ctx, args), grace_of(args))
    if not args.pattern:
        return report
    kept = tuple(o for o in report.entries if name_matches(o.name, args.pattern))
    return OverdueReport(kept)


def evaluate(ctx: Context, args: argparse.Namespace) -> tuple[SystemStatus, list[HealthProblem]]:
    status = read_status(ctx.store, ctx.settings.redis_url, worker_timeout=args.ping_timeout)
    if not status.redis_ok:
        raise RedisUnreachable(status.redis_error or "no answer")
    return status, health_problems(status, overdue_matching(ctx, args))


def check_document(
    ctx: Context, args: argparse.Namespace, problems: list[HealthProblem]
) -> dict[str, Any]:
    grace = grace_text(args)
    language = ctx.settings.language
    return {
        "ok": not problems,
        "grace_seconds": args.grace,
        "problems": [
            {
                "code": p.code,
                "message": render.problem_reason(p, grace, language),
                "detail": p.detail,
            }
            for p in problems
        ],
    }


def status_document(ctx: Context, args: argparse.Namespace, walk: Walk) -> dict[str, Any]:
    status, problems = evaluate(ctx, args)
    return {
        "count": walk.tally.shown,
        "status": status.as_dict(),
        "check": check_document(ctx, args, problems),
    }


def run_check(ctx: Context, args: argparse.Namespace) -> int:
    """One line and an exit code, for monitoring (as arq's --check)."""
    status, problems = evaluate(ctx, args)
    if args.json:
        document = {"status": status.as_dict(), "check": check_document(ctx, args, problems)}
        ctx.out.write(json.dumps(document, ensure_ascii=False) + "\n")
    elif problems:
        grace, language = grace_text(args), ctx.settings.language
        reasons = "; ".join(render.problem_reason(p, grace, language) for p in problems)
        ctx.say(ctx.message("cli_check_failed", reasons=reasons))
    else:
        count, grace = status.schedules or 0, grace_text(args)
        ctx.say(render.check_ok_line(status, count, grace, ctx.settings.language))
    return 1 if problems else 0
