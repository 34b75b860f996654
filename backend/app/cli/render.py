"""Words and cells for the terminal, from the domain's views; no Redis here.

Sentences come from app.presentation.messages' catalog, in the `language` each function is given
(Settings.language).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from app.cli.table import Cell, Column
from app.cli.terminal import printable_name
from app.core.constants import WORKER_TTL_SECONDS
from app.monitor import BeatStatus, HealthProblem, PickupStatus, SystemStatus
from app.presentation import Language, message
from app.schedules import PauseState

# On a terminal narrower than the table, DUE, ORIGIN, RUNS, LAST RUN, TASK and TIMING
# are hidden in that order, and NAME, TASK and TIMING clipped, until it fits (table.py):
# at 80 columns a row keeps its name, state, next run and last outcome. DUE is how far
# the next run is from now ("in 14 h 58 min"); the summary names the timezone.
COLUMNS = (
    Column("NAME", cap=48, shrink=12),
    Column("TASK", cap=60, drop=5, shrink=16),
    Column("TIMING", cap=48, drop=6, shrink=12),
    Column("STATE"),
    Column("ORIGIN", drop=2),
    Column("NEXT RUN"),
    Column("DUE", drop=1),
    Column("LAST RUN", drop=4),
    Column("RUNS", align="right", drop=3),
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


@lru_cache(maxsize=4096)
def local_time(iso: str | None, default_tz: str, zone: str) -> str | None:
    """ISO text shown to the minute, e.g. "2030-01-01 09:00"; marked with its zone when
    that is not the default one."""
    if iso is None:
        return None
    shown = datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    return shown if zone == default_tz else f"{shown} {zone}"


def next_run_text(view: dict[str, Any], default_tz: str, zone: str) -> str | None:
    """The next run to the minute and how far away: "2030-01-01 09:00 (in 14 h 58 min)"."""
    shown = local_time(view["next_run_at"], default_tz, zone)
    away = view.get("next_run_in")
    return f"{shown} ({away})" if shown is not None and away else shown


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


def entry_row(
    view: dict[str, Any], default_tz: str, late: timedelta | None, language: Language
) -> list[Cell]:
    """One table row from describe.entry_view's dict, but for LAST OUTCOME, which
    comes from the run history (runs_view.outcome_cell)."""
    zone = zone_of(view, default_tz)
    next_run = local_time(view["next_run_at"], default_tz, zone)
    last_run = local_time(view["last_run_at"], default_tz, zone)
    state = state_of(view)
    no_time = message("cli_no_next_run", language)
    next_cell = Cell(next_run or no_time)
    if late is not None and next_run is not None:
        shown = message("cli_late", language, when=next_run, late=short_duration(late))
        next_cell = Cell(shown, ("red",))
    return [
        Cell(printable_name(view["name"])),
        Cell(view["task"]),
        Cell(view["timing_text"] or view["schedule"]),
        Cell(state, ("yellow",) if state == "paused" else ()),
        Cell(view["origin"]),
        next_cell,
        Cell(view.get("next_run_in") or no_time, ("red",) if late is not None else ()),
        Cell(last_run or no_time),
        Cell(str(view["total_run_count"])),
    ]


def pickup_line(pickup: PickupStatus, language: Language) -> str:
    """Whether the leading Beat hears RedBeat's own saves at once, or at its next look."""
    if pickup.keyspace_notifications:
        return message("cli_pickup_on", language)
    poll = f"{pickup.poll_seconds:g}" if pickup.poll_seconds is not None else "?"
    return message("cli_pickup_off", language, reason=pickup.reason or "?", poll=poll)


def beat_line(beat: BeatStatus, now: datetime, tz: str, language: Language) -> str:
    if beat.leader is not None:
        leader = beat.leader
        since = moment_text(leader.leader_since, tz)
        tick = "?"
        if leader.last_tick is not None:
            span = short_duration(max(now - leader.last_tick, timedelta()))
            tick = message("cli_ago", language, span=span)
        return message(
            "cli_beat_leader",
            language,
            instance=leader.instance,
            since=since,
            tick=tick,
            standbys=len(beat.standbys),
        )
    if beat.lock_holder is not None:
        return message("cli_beat_lock_only", language, holder=beat.lock_holder)
    return message("cli_beat_none", language)


def workers_line(status: SystemStatus, timeout: float | None, language: Language) -> str:
    if status.workers_error is not None:
        return message("cli_workers_error", language, error=status.workers_error)
    if status.workers is None:
        return message("cli_workers_unchecked", language)
    if not status.workers and status.workers_source == "presence":
        return message("cli_workers_none_present", language, ttl=WORKER_TTL_SECONDS)
    if not status.workers:
        return message("cli_workers_none", language, timeout=f"{timeout or 0:g}")
    names = ", ".join(status.workers)
    return message("cli_workers_online", language, count=len(status.workers), names=names)


def sync_line(sync: dict[str, Any] | None, tz: str, language: Language) -> str:
    if sync is None:
        return message("cli_sync_never", language)
    if sync.get("ok"):
        counts = sync.get("counts") or {}
        shown = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
        return message(
            "cli_sync_ok",
            language,
            when=moment_text(sync.get("applied_at") or sync.get("checked_at"), tz),
            path=sync.get("path"),
            counts=shown or message("cli_sync_empty", language),
        )
    return message(
        "cli_sync_error",
        language,
        when=moment_text(sync.get("checked_at"), tz),
        path=sync.get("path"),
        error=sync.get("error"),
    )


def overdue_names(entries: list[dict[str, Any]], count: int, language: Language) -> str:
    """ "a 1h late, b 5m late, c 6m late, and 4 more": the first few of `count`."""
    names = [
        message(
            "cli_overdue_entry", language, name=e["name"], late=short_duration(e["late_seconds"])
        )
        for e in entries[:NAMES_SHOWN]
    ]
    listed = ", ".join(names)
    rest = count - len(names)
    return f"{listed}, {message('cli_more', language, count=rest)}" if rest > 0 else listed


def failing_names(schedules: list[dict[str, Any]], language: Language) -> str:
    """ "a ×5, b ×3, c ×3, and 4 more": the first few failing schedules."""
    names = [
        message("cli_failing_entry", language, name=s["name"], count=s["consecutive_failures"])
        for s in schedules[:NAMES_SHOWN]
    ]
    listed = ", ".join(names)
    rest = len(schedules) - len(names)
    return f"{listed}, {message('cli_more', language, count=rest)}" if rest > 0 else listed


def problem_reason(problem: HealthProblem, grace: str, language: Language) -> str:
    detail = problem.detail
    if problem.code == "no_beat":
        return message("cli_check_no_beat", language)
    if problem.code == "sync_error":
        return message("cli_check_sync_error", language, error=detail.get("error"))
    if problem.code == "overdue":
        count = detail["count"]
        listed = overdue_names(detail["entries"], count, language)
        return message("cli_check_overdue", language, count=count, grace=grace, names=listed)
    if problem.code == "failing":
        listed = failing_names(detail["schedules"], language)
        count, streak = detail["count"], detail["threshold"]
        return message("cli_check_failing", language, count=count, threshold=streak, names=listed)
    return str(detail)


def check_ok_line(status: SystemStatus, count: int, grace: str, language: Language) -> str:
    beat = status.beat
    if beat is not None and beat.leader is not None:
        beat_text = message("cli_check_beat_leads", language, instance=beat.leader.instance)
    else:
        holder = beat.lock_holder if beat else "?"
        beat_text = message("cli_check_beat_lock", language, holder=holder)
    sync = message("cli_check_sync_ok" if status.sync else "cli_check_sync_never", language)
    return message("cli_check_ok", language, beat=beat_text, count=count, grace=grace, sync=sync)


def pause_line(state: PauseState, tz: str, language: Language) -> str:
    """Dispatching paused since when, by whom and why; or running."""
    if not state.paused:
        return message("cli_dispatch_running", language)
    return message(
        "cli_dispatch_paused",
        language,
        since=moment_text(state.since, tz),
        timezone=tz,
        by=state.by or "?",
        reason=state.reason or "-",
    )
