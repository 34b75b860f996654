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

from app.cli import health, render
from app.cli.context import Context
from app.cli.runs_view import history_counters, outcome_cell
from app.cli.table import Cell, TableWriter
from app.cli.terminal import printable_name
from app.core.config import Settings
from app.monitor import SystemStatus
from app.presentation import entry_view
from app.schedules import Entry, ListFilter, RunStats, iter_chunks, overdue_by

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
class Row:
    """One schedule as listed: its view (None: unreadable), lateness and run stats."""

    name: str
    view: dict[str, Any] | None
    late: timedelta | None
    stats: RunStats | None


@dataclass(frozen=True)
class Walk:
    """One pass over the matching entries: rows with their lateness and run stats
    (one extra round trip per chunk), and a tally."""

    ctx: Context
    args: argparse.Namespace
    now: datetime
    tally: Tally

    def chunks(self) -> Iterator[list[Row]]:
        flt = list_filter(self.args)
        for chunk in iter_chunks(self.ctx.store, self.args.pattern, flt):
            stats = self.ctx.store.stats_many(name for name, _entry in chunk)
            yield [self._row(name, entry, stats.get(name)) for name, entry in chunk]

    def _row(self, name: str, entry: Entry | None, stats: RunStats | None) -> Row:
        settings = self.ctx.settings
        view = entry_view(entry, settings.timezone, settings.language, self.now) if entry else None
        late = self._late(entry)
        self.tally.count(view, late)
        return Row(name, view, late, stats)

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
    verdict = health.judge(ctx, args, walk.now)
    ctx.say()
    for line in summary_lines(ctx, args, walk.tally, verdict):
        ctx.say(line)
    return 0


def run_check(ctx: Context, args: argparse.Namespace) -> int:
    """One line and an exit code, for monitoring (as arq's --check); a failing
    schedule adds a line of its own below it, as a monitoring plugin's long output."""
    verdict = health.judge(ctx, args, now_of(ctx, args))
    if args.json:
        document = {
            "status": verdict.status.as_dict(),
            "check": health.check_document(ctx, args, verdict),
        }
        ctx.out.write(json.dumps(document, ensure_ascii=False) + "\n")
    elif not verdict.ok:
        reasons = "; ".join(health.reasons(ctx, args, verdict))
        ctx.say(ctx.message("cli_check_failed", reasons=reasons))
        for line in health.failing_lines(ctx, verdict):
            ctx.say(f"  {line}")
    else:
        count, grace = verdict.status.schedules or 0, grace_text(args)
        line = render.check_ok_line(verdict.status, count, grace, ctx.settings.language)
        ctx.say(line + paused_note(ctx, verdict.status))
    return 0 if verdict.ok else 1


def paused_note(ctx: Context, status: SystemStatus) -> str:
    """A pause is an operator's choice, not a failure, but a healthy line must not hide
    that nothing is being sent."""
    pause = status.pause
    if pause is None or not pause.paused:
        return ""
    since = render.moment_text(pause.since, ctx.settings.timezone)
    return " " + ctx.message("cli_check_paused", since=since, by=pause.by or "?")


def status_document(ctx: Context, args: argparse.Namespace, walk: Walk) -> dict[str, Any]:
    verdict = health.judge(ctx, args, walk.now)
    return {
        "count": walk.tally.shown,
        "status": verdict.status.as_dict(),
        "check": health.check_document(ctx, args, verdict),
    }


def write_table(ctx: Context, walk: Walk) -> None:
    writer = TableWriter(render.COLUMNS, ctx.out, ctx.style)
    settings = ctx.settings
    for chunk in walk.chunks():
        writer.write_chunk([table_row(row, settings) for row in chunk])
    writer.close()
    if walk.tally.shown == 0:
        ctx.say(ctx.message("cli_no_schedules"))


def table_row(row: Row, settings: Settings) -> list[Cell]:
    if row.view is None:
        blank = [Cell("-")] * (len(render.COLUMNS) - 2)
        return [Cell(printable_name(row.name)), *blank[:2], Cell(UNREADABLE, ("red",)), *blank[2:]]
    view, language = row.view, settings.language
    cells = render.entry_row(view, settings.timezone, row.late, language)
    sent = view["total_run_count"] > 0 or view["last_run_at"] is not None
    return [*cells, outcome_cell(row.stats, sent, language)]


def summary_lines(
    ctx: Context, args: argparse.Namespace, tally: Tally, verdict: health.Verdict
) -> list[str]:
    status = verdict.status
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
    if not settings.history_enabled:
        lines.append(ctx.message("cli_history_off"))
    failing = health.failing_problem(verdict)
    if failing is not None:
        detail = failing.detail
        names = render.failing_names(detail["schedules"], settings.language)
        count, threshold = detail["count"], detail["threshold"]
        lines.append(
            ctx.message("cli_summary_failing", count=count, threshold=threshold, names=names)
        )
    if tally.unreadable:
        lines.append(ctx.message("cli_summary_unreadable", count=tally.unreadable))
    if status.pause is not None:
        lines.append(render.pause_line(status.pause, settings.timezone, settings.language))
    if status.beat is not None:
        now = now_of(ctx, args)
        lines.append(render.beat_line(status.beat, now, settings.timezone, settings.language))
    if status.pickup is not None:
        lines.append(render.pickup_line(status.pickup, settings.language))
    lines.append(render.workers_line(status, args.ping_timeout, settings.language))
    lines.append(render.sync_line(status.sync, settings.timezone, settings.language))
    lines.append(ctx.message("cli_redis_ok", url=status.redis_url))
    return lines


def json_entry(row: Row) -> dict[str, Any]:
    if row.view is None:
        return {"name": row.name, "error": UNREADABLE}
    overdue = row.late.total_seconds() if row.late is not None else None
    stats = row.stats
    return {
        **row.view,
        "last_outcome": stats.last_outcome if stats else None,
        "consecutive_failures": stats.consecutive_failures if stats else 0,
        "history": history_counters(stats),
        "overdue_seconds": overdue,
    }


def write_json(out: TextIO, walk: Walk, tail: Callable[[], dict[str, Any]]) -> None:
    """One JSON document, written as the entries are read: one schedule per line."""
    head = {"timezone": walk.ctx.settings.timezone, "now": walk.now.isoformat()}
    chunks = walk.chunks()
    # Read before writing: if Redis is down, stdout gets nothing rather than half a document.
    first = next(chunks, [])
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "schedules": [')
    separator = "\n"
    for chunk in itertools.chain([first], chunks):
        for row in chunk:
            out.write(separator + json.dumps(json_entry(row), ensure_ascii=False))
            separator = ",\n"
    out.write("\n]")
    for key, value in tail().items():
        out.write(f", {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    out.write("}\n")
