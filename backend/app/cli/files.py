"""`export` and `apply`: the live state to schedules.json's format, and a file back in.

`apply` is schedules.json's own sync (app.schedules_file.sync.sync_file), run once on
purpose: the same validation, the same reconcile rules, the same recorded sync state.
The file is checked in full first, without writing to Redis, so an invalid one changes
nothing at all (not even the recorded sync state that `--check` reads); the sync then
applies the file as checked, without reading it again.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.context import Context
from app.schedules_file import (
    FileError,
    SyncReport,
    cyclic_gc_paused,
    export_store,
    load_file,
    read_state,
    sync_file,
    write_atomic,
)

# Names listed per action after `apply`; the counts are always complete.
NAMES_LISTED = 20
ACTIONS = ("created", "updated", "recreated", "deleted", "kept_deleted")


def run_export(ctx: Context, args: argparse.Namespace) -> int:
    export = export_store(ctx.store)
    for skipped in export.skipped:
        ctx.warn(ctx.message("cli_export_skipped", name=skipped.name, timing=skipped.timing))
    for name in export.unreadable:
        ctx.warn(ctx.message("cli_export_unreadable", name=name))
    document = export.render()
    if args.output is None:
        ctx.out.write(document)
        return 0
    try:
        write_atomic(args.output, document)
    except OSError as exc:
        ctx.warn(ctx.message("cli_export_failed", path=args.output, error=exc.strerror or exc))
        return 1
    ctx.say(ctx.message("cli_export_written", count=len(export.specs), path=args.output))
    return 0


def run_apply(ctx: Context, args: argparse.Namespace) -> int:
    # Resolved, so the recorded sync state says which file it was wherever it is read.
    path: Path = args.file.resolve()
    try:
        with cyclic_gc_paused():
            loaded = load_file(path, ctx.registry, ctx.store)
    except FileError as exc:
        report_file_error(ctx, exc)
        return 1
    if args.dry_run:
        ctx.say(ctx.message("cli_apply_valid", path=path, count=len(loaded.specs)))
        return 0
    report = sync_file(ctx.store, path, ctx.registry, actor=ctx.actor, loaded=loaded)
    if report is None:
        # Refused after the check above: MAX_SCHEDULES, or an API create that took the
        # last places while it was being applied.
        state = read_state(ctx.store) or {}
        ctx.warn(ctx.message("cli_apply_invalid", path=path))
        ctx.warn(f"  {state.get('error')}")
        return 1
    print_report(ctx, path, report)
    declared = ctx.settings.schedules_file.resolve()
    if path != declared:
        # The file index now describes FILE, and Beat reconciles SCHEDULES_FILE when it
        # next takes the lock: entries only FILE declares would then be deleted.
        ctx.warn(ctx.message("cli_apply_other_file", path=path, declared=declared))
    return 0


def report_file_error(ctx: Context, exc: FileError) -> None:
    ctx.warn(ctx.message("cli_apply_invalid", path=exc.path))
    if not exc.problems:
        ctx.warn(f"  {exc.message}")  # JSON syntax (with line and column) or file shape
    for problem in exc.problems:
        ctx.warn(f"  {problem}")  # schedules.<name>.<field>: why (got value)


def print_report(ctx: Context, path: Path, report: SyncReport) -> None:
    counts = report.counts()
    shown = ", ".join(f"{n} {action.replace('_', ' ')}" for action, n in counts.items() if n)
    ctx.say(
        ctx.message("cli_apply_done", path=path, counts=shown or ctx.message("cli_apply_empty"))
    )
    for action in ACTIONS:
        names: list[str] = getattr(report, action)
        if names:
            listed = ", ".join(names[:NAMES_LISTED])
            if len(names) > NAMES_LISTED:
                listed += ", " + ctx.message("cli_more", count=len(names) - NAMES_LISTED)
            ctx.say(ctx.message(f"cli_apply_{action}", names=listed))
