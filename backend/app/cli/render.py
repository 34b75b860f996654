"""Words and cells for the terminal, from the domain's views; no Redis here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.cli.table import Cell, Column
from app.cli.texts import text
from app.schedules.status import BeatStatus, HealthProblem, SystemStatus

COLUMNS = (
    Column("NAME", cap=48),
    Column("TASK", cap=60),
    Column("TIMING", cap=48),
    Column("STATE"),
    Column("ORIGIN"),
    Column("NEXT RUN"),
    Column("LAST RUN"),
    Column("RUNS", align="right"),
    Column("LAST OUTCOME"),
)
# Names listed in one line before "and N more".
NAMES_SHOWN = 3
DURATION_UNITS = ((86400, "d"), (3600, "h"), (60, "m"), (1, "s"))


def short_duration(span: timedelta | float) -> str:
    """90061 s -> "1d 1h": the two largest units, enough to tell late from very late."""
    seconds = int(span.total_seconds() if isinstance(span, timedelta) else span)
    parts: list[str] = []
    for size, unit in DURATION_UNITS:
        if seconds >= size or (size == 1 and not parts):
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts)


def zone_of(view: dict[str, Any], default_tz: str) -> str:
    """The timezone an entry's times are shown in: its own, else the default."""
    return str((view.get("timing") or {}).get("timezone") or default_tz)


def local_time(iso: str | None, default_tz: str, zone: str) -> str | None:
    """ISO text shown to the minute, e.g. "2030-01-01 09:00"; marked with its zone when
    that is not the default one."""
    if iso is None:
        return None
    shown = datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    return shown if zone == default_tz else f"{shown} {zone}"


def moment_text(value: datetime | str | None, tz: str) -> str:
    """A recorded instant (datetime or ISO text) in the settings' timezone, to the second."""
    if value is None:
        return "?"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.isoformat(sep=" ", timespec="seconds")
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")


def state_of(view: dict[str, Any]) -> str:
    if not view["enabled"]:
        return "paused"
    if view["next_run_at"] is None:
        once = (view.get("timing") or {}).get("kind") == "once"
        return "finished" if once else "no next run"
    return "enabled"


def entry_row(view: dict[str, Any], default_tz: str, late: timedelta | None) -> list[Cell]:
    """One table row from describe.entry_view's dict."""
    zone = zone_of(view, default_tz)
    next_run = local_time(view["next_run_at"], default_tz, zone)
    last_run = local_time(view["last_run_at"], default_tz, zone)
    state = state_of(view)
    next_cell = Cell(next_run or text("cli_no_next_run"))
    if late is not None and next_run is not None:
        next_cell = Cell(text("cli_late", when=next_run, late=short_duration(late)), ("red",))
    ran = view["total_run_count"] > 0 or view["last_run_at"] is not None
    return [
        Cell(view["name"]),
        Cell(view["task"]),
        Cell(view["timing_text"] or view["schedule"]),
        Cell(state, ("yellow",) if state == "paused" else ()),
        Cell(view["origin"]),
        next_cell,
        Cell(last_run or text("cli_no_next_run")),
        Cell(str(view["total_run_count"])),
        Cell(text("cli_no_history" if ran else "cli_never_run"), ("dim",)),
    ]


def names_line(names: list[str], total: int | None = None) -> str:
    total = len(names) if total is None else total
    shown = ", ".join(f"'{n}'" for n in names[:NAMES_SHOWN])
    rest = total - min(len(names), NAMES_SHOWN)
    return f"{shown}, {text('cli_more', count=rest)}" if rest > 0 else shown


def beat_line(beat: BeatStatus, now: datetime, tz: str) -> str:
    if beat.leader is not None:
        leader = beat.leader
        since = moment_text(leader.leader_since, tz)
        tick = "?"
        if leader.last_tick is not None:
            tick = f"{short_duration(max(now - leader.last_tick, timedelta()))} ago"
        return text(
            "cli_beat_leader",
            instance=leader.instance,
            since=since,
            tick=tick,
            standbys=len(beat.standbys),
        )
    if beat.lock_holder is not None:
        return text("cli_beat_lock_only", holder=beat.lock_holder)
    return text("cli_beat_none")


def workers_line(status: SystemStatus, timeout: float) -> str:
    if status.workers_error is not None:
        return text("cli_workers_error", error=status.workers_error)
    if status.workers is None:
        return text("cli_workers_unchecked")
    if not status.workers:
        return text("cli_workers_none", timeout=f"{timeout:g}")
    return text("cli_workers_online", count=len(status.workers), names=", ".join(status.workers))


def sync_line(sync: dict[str, Any] | None, tz: str) -> str:
    if sync is None:
        return text("cli_sync_never")
    if sync.get("ok"):
        counts = sync.get("counts") or {}
        shown = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
        return text(
            "cli_sync_ok",
            when=moment_text(sync.get("applied_at") or sync.get("checked_at"), tz),
            path=sync.get("path"),
            counts=shown or "empty",
        )
    return text(
        "cli_sync_error",
        when=moment_text(sync.get("checked_at"), tz),
        path=sync.get("path"),
        error=sync.get("error"),
    )


def problem_reason(problem: HealthProblem, grace: str) -> str:
    detail = problem.detail
    if problem.code == "no_beat":
        return text("cli_check_no_beat")
    if problem.code == "sync_error":
        return text("cli_check_sync_error", error=detail.get("error"))
    if problem.code == "overdue":
        names = [f"{e['name']} {short_duration(e['late_seconds'])} late" for e in detail["entries"]]
        listed = ", ".join(names[:NAMES_SHOWN])
        rest = detail["count"] - min(len(names), NAMES_SHOWN)
        if rest > 0:
            listed += f", {text('cli_more', count=rest)}"
        return text("cli_check_overdue", count=detail["count"], grace=grace, names=listed)
    return str(detail)


def check_ok_line(status: SystemStatus, count: int, grace: str) -> str:
    beat = status.beat
    if beat is not None and beat.leader is not None:
        beat_text = text("cli_check_beat_leads", instance=beat.leader.instance)
    else:
        beat_text = text("cli_check_beat_lock", holder=beat.lock_holder if beat else "?")
    sync = text("cli_check_sync_ok" if status.sync else "cli_check_sync_never")
    return text("cli_check_ok", beat=beat_text, count=count, grace=grace, sync=sync)
