"""The command line: every command, its arguments and which handler runs it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from app.cli import control, files, history, listing, logs, manage
from app.cli.arguments import count_in, cursor, moment, positive, seconds
from app.cli.failures import EXIT_USAGE
from app.monitor import MAX_LIMIT

# How late an enabled schedule may be before --check fails: Beat fires within a second
# of the due time, so five minutes means it is not running or not keeping up.
DEFAULT_GRACE_SECONDS = 300.0

EPILOG = """\
exit codes: 0 ok; 1 check failed or request refused (unknown name, invalid definition
or file); 2 Redis unreachable or failing; 64 bad usage.
Settings come from the environment (REDIS_URL, TIMEZONE, LANGUAGE, SCHEDULES_FILE).
"""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, as every other CLI error is; --help has the usage."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _common() -> Parser:
    common = Parser(add_help=False)
    common.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour: auto (on a terminal, unless NO_COLOR is set), always, never",
    )
    return common


def _add_listing(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    listing_options = Parser(add_help=False)
    opt = listing_options.add_argument
    opt("pattern", nargs="?", help="only names containing this text (or matching a *? glob)")
    opt("--json", action="store_true", help="one JSON document instead of the table")
    opt("--task", help="only schedules of this task")
    opt("--origin", choices=("file", "api", "redbeat"), help="only schedules of this origin")
    state = listing_options.add_mutually_exclusive_group()
    state.add_argument("--enabled", dest="enabled", action="store_const", const=True)
    state.add_argument("--paused", dest="enabled", action="store_const", const=False)
    opt(
        "--grace",
        type=seconds,
        default=DEFAULT_GRACE_SECONDS,
        metavar="SECONDS",
        help="an enabled schedule this late is overdue (default %(default)g)",
    )
    opt("--now", type=moment, help="judge lateness as of this ISO 8601 time (for reports)")
    parents = [common, listing_options]
    listed = sub.add_parser("list", parents=parents, help="the schedules as a table")
    listed.set_defaults(handler=listing.run_list, ping_timeout=0.0)
    status = sub.add_parser(
        "status", parents=parents, help="the table, then Beat, workers and schedules.json"
    )
    status.add_argument(
        "--check",
        action="store_true",
        help="one line (and one more per failing schedule), exit 1 if no Beat runs, "
        "schedules.json failed to apply, an enabled schedule is overdue, or one failed "
        "ALERT_CONSECUTIVE_FAILURES times in a row",
    )
    status.add_argument(
        "--ping-timeout",
        type=seconds,
        default=None,
        metavar="SECONDS",
        help="ask the workers live, waiting this long for their answers (0: do not ask; "
        "default: read the heartbeat each worker writes, which waits for nobody)",
    )
    status.set_defaults(handler=listing.run_status)


def _add_single(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    show = sub.add_parser("show", parents=[common], help="one schedule and its next fire times")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.add_argument("--count", type=positive, default=5, help="fire times shown (default 5)")
    show.add_argument(
        "--runs",
        type=count_in(0, MAX_LIMIT),
        default=10,
        metavar="N",
        help="recent runs shown (default %(default)s; 0: only the figures)",
    )
    show.set_defaults(handler=manage.run_show)
    _add_runs(sub, common)
    for name, handler, summary in (
        ("run", manage.run_now, "send the task now; its timing is not disturbed"),
        ("pause", manage.run_pause, "stop firing this schedule until resumed (`stop`: all)"),
        ("resume", manage.run_resume, "fire it again from the next slot after now"),
        ("delete", manage.run_delete, "delete the schedule"),
    ):
        command = sub.add_parser(name, parents=[common], help=summary)
        command.add_argument("name")
        if name == "run":
            command.add_argument(
                "--force",
                action="store_true",
                help="run even while a run is in progress or its lock_key is held",
            )
        command.set_defaults(handler=handler)


def _add_runs(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    runs = sub.add_parser("runs", parents=[common], help="what happened to each fire, newest first")
    runs.add_argument("name")
    runs.add_argument(
        "--limit",
        type=count_in(1, MAX_LIMIT),
        default=20,
        metavar="N",
        help=f"records shown, 1 to {MAX_LIMIT} (default %(default)s)",
    )
    runs.add_argument(
        "--failed",
        action="store_true",
        help="only attempts that failed, timed out, were lost or were retried",
    )
    runs.add_argument(
        "--before", type=cursor, metavar="CURSOR", help="older than this (the last page says)"
    )
    runs.add_argument("--json", action="store_true", help="one JSON document")
    runs.set_defaults(handler=history.run_runs)


def _add_files(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    export = sub.add_parser(
        "export", parents=[common], help="the live schedules in schedules.json's format"
    )
    export.add_argument("--output", "-o", type=Path, help="write here atomically, not stdout")
    export.set_defaults(handler=files.run_export)
    apply = sub.add_parser(
        "apply", parents=[common], help="validate FILE, then reconcile it once as schedules.json"
    )
    apply.add_argument("file", type=Path)
    apply.add_argument("--dry-run", action="store_true", help="validate only")
    apply.set_defaults(handler=files.run_apply)


def build_parser() -> Parser:
    parser = Parser(
        prog="batchsched-cli",
        description="Look at and manage the schedules in Redis (works while the API is down).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    common = _common()
    _add_listing(sub, common)
    control.add_commands(sub, common)
    logs.add_command(sub, common)
    _add_single(sub, common)
    _add_files(sub, common)
    return parser
