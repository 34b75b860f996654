"""Seed 001's control verbs: `stop` and `start` (the global pause of dispatching),
`restart` (the processes of a running ./run.sh) and `collect [supplier]`.

`stop`/`start` call ScheduleService.pause/resume, the operation behind the API's
/api/scheduler/pause and /resume. They are not `pause`/`resume`: those name one
schedule (`pause NAME`), and a forgotten NAME must never stop everything.

`restart` does not pause and resume: dispatching is live-edited and needs no restart.
What a restart is for is loading new task code or settings, so it restarts the worker,
Beat and API of the ./run.sh holding RUN_DATA_DIR (SIGUSR1 to it, see
app.launcher.supervisor), keeping its Redis, the schedules and the queued tasks.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from app.cli import collect, render
from app.cli.context import Context
from app.cli.failures import EXIT_FAILED
from app.core.run_dir import RESTART_SIGNAL, RunDir
from app.monitor import read_status


def add_commands(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    stop = sub.add_parser(
        "stop",
        parents=[common],
        help="pause all dispatching: Beat sends nothing until `start` (schedules keep their "
        "own on/off switch; run and collect still work)",
    )
    stop.add_argument("--reason", help="why, shown by status to everyone (up to 500 characters)")
    stop.set_defaults(handler=run_stop)
    start = sub.add_parser(
        "start", parents=[common], help="resume dispatching after `stop`, from each next slot"
    )
    start.set_defaults(handler=run_start)
    restart = sub.add_parser(
        "restart",
        parents=[common],
        help="restart the worker, Beat and API of the running ./run.sh (new code or "
        "settings), keeping its Redis; dispatching itself needs no restart",
    )
    restart.set_defaults(handler=run_restart)
    collect.add_command(sub, common)


def run_stop(ctx: Context, args: argparse.Namespace) -> int:
    before = ctx.service.pause_state()
    state = ctx.service.pause(args.reason, actor=ctx.actor)
    if before.paused:
        ctx.say(ctx.message("cli_already_paused"))
    else:
        ctx.say(ctx.message("dispatch_paused"))
    ctx.say(render.pause_line(state, ctx.settings.timezone, ctx.settings.language))
    ctx.say(ctx.message("cli_stop_hint"))
    return 0


def run_start(ctx: Context, args: argparse.Namespace) -> int:
    before = ctx.service.pause_state()
    ctx.service.resume(actor=ctx.actor)
    if before.paused:
        ctx.say(ctx.message("dispatch_resumed"))
    else:
        ctx.say(ctx.message("cli_not_paused"))
    beat = read_status(ctx.store, ctx.settings.redis_url, worker_timeout=0).beat
    if beat is not None and not beat.running:
        ctx.say(ctx.message("cli_start_no_beat"))
    return 0


def run_restart(ctx: Context, args: argparse.Namespace) -> int:
    run_dir = RunDir(ctx.settings.run_data_dir.resolve())
    pid = run_dir.launcher_pid()
    if pid is None:
        ctx.warn(ctx.message("cli_restart_not_running", path=run_dir.path))
        return EXIT_FAILED
    try:
        os.kill(pid, RESTART_SIGNAL)
    except OSError as exc:
        ctx.warn(ctx.message("cli_restart_failed", pid=pid, error=exc.strerror or exc))
        return EXIT_FAILED
    ctx.say(ctx.message("cli_restart_sent", pid=pid, logs=run_dir.log_dir))
    return 0
