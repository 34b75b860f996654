"""One schedule at a time: show, run, pause, resume, delete. Each calls one operation of
ScheduleService, the same one the API's routes call."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli import history, render
from app.cli.context import Context
from app.presentation import entry_view, upcoming
from app.schedules import Entry

LABEL_WIDTH = 15


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    entry = ctx.service.get(args.name)
    settings = ctx.settings
    view = entry_view(entry, settings.timezone, settings.language, ctx.clock())
    times = upcoming(entry, settings.timezone, args.count)
    if args.json:
        document = {
            **view,
            "upcoming": [t.isoformat() for t in times],
            **history.show_document(ctx, entry.name, args.runs),
        }
        ctx.out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return 0
    for label, value in show_fields(view, settings.timezone):
        ctx.say(f"{label + ':':<{LABEL_WIDTH}} {value}")
    ctx.say()
    if times:
        ctx.say(ctx.message("cli_show_upcoming", count=len(times)))
        for moment in times:
            ctx.say(f"  {moment.strftime('%Y-%m-%d %H:%M:%S %Z (%a)')}")
    else:
        reason = render.state_of(view)
        ctx.say(ctx.message("cli_show_no_upcoming", reason=reason))
    zone = render.zone_of(view, settings.timezone)
    last = render.local_time(view["last_run_at"], settings.timezone, zone)
    history.show_history(ctx, entry.name, view, args.runs, last or "-")
    return 0


def show_fields(view: dict[str, Any], default_tz: str) -> list[tuple[str, str]]:
    timing = view.get("timing") or {}
    zone = render.zone_of(view, default_tz)
    raw = " ".join(f"{k}={v}" for k, v in timing.items() if v is not None and k != "kind")
    return [
        ("Name", view["name"]),
        ("Task", view["task"]),
        ("Timing", view["timing_text"] or view["schedule"]),
        ("Timing fields", f"{timing.get('kind')}: {raw}" if timing else view["schedule"]),
        ("State", render.state_of(view)),
        ("Origin", view["origin"]),
        ("Description", view["description"] or "-"),
        ("Args", _json(view["args"])),
        ("Kwargs", _json(view["kwargs"])),
        ("Options", _json(view["options"])),
        ("Policy", _json(view["policy"])),
        ("Next run", render.next_run_text(view, default_tz, zone) or "-"),
        ("Last run", render.local_time(view["last_run_at"], default_tz, zone) or "-"),
        ("Runs", str(view["total_run_count"])),
        ("Version", view["version"]),
    ]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _changed(ctx: Context, entry: Entry, key: str) -> None:
    ctx.say(ctx.message(key, name=entry.name))
    if entry.origin == "file":
        ctx.say(ctx.message("note_file_managed"))


def run_pause(ctx: Context, args: argparse.Namespace) -> int:
    _changed(ctx, ctx.service.set_enabled(args.name, False, actor=ctx.actor), "paused")
    return 0


def run_resume(ctx: Context, args: argparse.Namespace) -> int:
    _changed(ctx, ctx.service.set_enabled(args.name, True, actor=ctx.actor), "resumed")
    return 0


def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    deleted = ctx.service.delete(args.name, actor=ctx.actor)
    ctx.say(ctx.message("deleted", name=args.name))
    if deleted is not None and deleted.origin == "file":
        ctx.say(ctx.message("cli_delete_file_note"))
    return 0


def run_now(ctx: Context, args: argparse.Namespace) -> int:
    task_id = ctx.service.run_now(args.name, force=args.force)
    ctx.say(ctx.message("run_sent", name=args.name, task_id=task_id))
    return 0
