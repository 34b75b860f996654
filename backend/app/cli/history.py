"""What happened to each fire: `runs NAME` and the history part of `show NAME`.

Fires in progress (queued or running) come first, then the finished records newest
first, as the store keeps them (ScheduleStore.in_progress, runs, stats). A cursor is
the stream id of the last record shown; `--before CURSOR` continues below it. The
pages are read by app.monitor's run queries, the same the API's run routes use.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from app.cli.context import Context
from app.cli.runs_view import FAILED_OUTCOMES, RUN_COLUMNS, run_row, stats_lines
from app.cli.table import TableWriter
from app.monitor import (
    NoHistory,
    RunPage,
    RunQuery,
    find_runs,
    recorded_at,
    schedule_runs,
)
from app.schedules import RunRecord


def read_runs(ctx: Context, args: argparse.Namespace) -> RunPage:
    """The page the API's GET .../runs gives for the same limit and cursor (fires in
    progress first on the first page); with --failed, failed attempts only, read as
    GET /runs?schedule=NAME&outcome=... reads them."""
    name: str = args.name
    if not args.failed:
        return schedule_runs(ctx.store, name, args.limit, args.before)
    query = RunQuery(outcomes=frozenset(FAILED_OUTCOMES), schedule=name)
    page = find_runs(ctx.store, query, args.limit, args.before)
    if not page.runs and ctx.store.get(name) is None and not ctx.store.runs(name, 1):
        raise NoHistory(name)
    return page


def write_runs(ctx: Context, records: list[RunRecord]) -> None:
    settings = ctx.settings
    writer = TableWriter(RUN_COLUMNS, ctx.out, ctx.style)
    writer.write_chunk([run_row(r, settings.timezone, settings.language) for r in records])
    writer.close()


def record_view(rec: RunRecord) -> dict[str, Any]:
    """A record as the API shows it: RunRecord.as_dict() and when it was written."""
    written = recorded_at(rec)
    when = None if written is None else datetime.fromtimestamp(written, UTC)
    return {
        **rec.as_dict(),
        "recorded_at": when.isoformat().replace("+00:00", "Z") if when else None,
    }


def run_runs(ctx: Context, args: argparse.Namespace) -> int:
    name: str = args.name
    page = read_runs(ctx, args)
    if ctx.store.get(name) is None:
        ctx.warn(ctx.message("cli_runs_deleted", name=name))
    if args.json:
        document = {
            "schedule": name,
            "in_progress": [record_view(r) for r in page.runs if r.id is None],
            "runs": [record_view(r) for r in page.runs if r.id is not None],
            "next_cursor": page.next_cursor,
        }
        ctx.out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return 0
    if page.runs:
        write_runs(ctx, page.runs)
    elif args.before is None:
        ctx.say(ctx.message("cli_runs_none_failed" if args.failed else "cli_runs_none", name=name))
    if page.next_cursor:
        ctx.say(ctx.message("cli_runs_more", cursor=page.next_cursor))
    return 0


def show_document(ctx: Context, name: str, count: int) -> dict[str, Any]:
    """`show --json`'s history: figures, fires in progress, the last `count` records."""
    store = ctx.store
    return {
        "stats": store.stats(name).as_dict(),
        "in_progress": [record_view(r) for r in store.in_progress(name)],
        "recent_runs": [record_view(r) for r in store.runs(name, count)] if count else [],
    }


def show_history(ctx: Context, name: str, view: dict[str, Any], count: int, last: str) -> None:
    """`show`'s history: figures, then fires in progress and the last `count` records;
    `last`: when Beat last sent it, as shown above."""
    store = ctx.store
    stats = store.stats(name)
    live = store.in_progress(name)
    recent = store.runs(name, count) if count else []
    ctx.say()
    if not ctx.settings.history_enabled:
        ctx.say(ctx.message("cli_history_off"))
    if stats.run_count == 0 and not recent and not live:
        ctx.say(ctx.message("cli_show_no_runs", last=last, count=view["total_run_count"]))
        return
    for line in stats_lines(stats, ctx.settings.language):
        ctx.say(line)
    if live or recent:
        ctx.say(ctx.message("cli_show_recent", count=len(live) + len(recent)))
        write_runs(ctx, [*live, *recent])
