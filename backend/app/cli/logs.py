"""`logs`: the last lines of ./run.sh's logs, then each new line as it is written
(`tail -f` over RUN_DATA_DIR/logs/*.log), tagged `[worker]` as ./run.sh's terminal
shows them.

`--schedule NAME` keeps the lines that mention NAME, and then also those that mention a
task id seen on such a line: Beat's "sending due task" line names the schedule and its
task id, and the worker's lines about that run carry the id.

A restart of the stack replaces each log file (the old one becomes `<name>.log.1`): the
follower notices the new file and reads it from its start. Following ends with Ctrl-C,
or by itself when ./run.sh stops.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from app.cli.arguments import count_in
from app.cli.context import Context
from app.cli.failures import EXIT_FAILED
from app.core.run_dir import RunDir

# ./run.sh's processes in the order it starts them; other *.log files come after.
ORDER = ("redis", "worker", "beat", "api")
POLL_SECONDS = 0.2
# How often the follower looks whether ./run.sh is still running.
ALIVE_CHECK_SECONDS = 1.0
# The tail of a file read to find its last lines: a log line is far shorter.
TAIL_BYTES = 1 << 20
TASK_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_LINES = 100_000


def add_command(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    logs = sub.add_parser(
        "logs",
        parents=[common],
        help="follow the logs of ./run.sh's processes (Ctrl-C ends)",
    )
    logs.add_argument(
        "process", nargs="*", help="only these logs: redis, worker, beat, api (default: all)"
    )
    logs.add_argument(
        "--schedule",
        metavar="NAME",
        help="only lines that mention NAME, or a task id seen beside it",
    )
    logs.add_argument(
        "-n",
        "--lines",
        type=count_in(0, MAX_LINES),
        default=10,
        metavar="N",
        help="last lines shown of each log before following (default %(default)s)",
    )
    logs.add_argument(
        "--no-follow", action="store_true", help="print the last lines and exit, as tail does"
    )
    logs.set_defaults(handler=run_logs)


@dataclass
class LineFilter:
    """Lines about one schedule; None keeps every line."""

    name: str | None
    task_ids: set[str] = field(default_factory=set)

    def learn(self, lines: Iterable[str]) -> None:
        """Note the task ids beside the name, so that earlier lines of those tasks (a
        worker's "received", read before Beat's log) are kept too."""
        if self.name is not None:
            for line in lines:
                if self.name in line:
                    self.task_ids |= set(TASK_ID.findall(line))

    def keeps(self, line: str) -> bool:
        if self.name is None:
            return True
        found = set(TASK_ID.findall(line))
        if self.name in line:
            self.task_ids |= found
            return True
        return bool(found & self.task_ids)


@dataclass
class Followed:
    """One log file being followed, kept open so that what was written to it just
    before it was replaced is still read; then the new file is read from its start."""

    tag: str
    path: Path
    handle: BinaryIO | None = None
    partial: bytes = b""

    def tail(self, count: int) -> list[str]:
        """The last `count` lines; following continues after them."""
        try:
            self.handle = self.path.open("rb")
        except FileNotFoundError:
            return []
        size = os.fstat(self.handle.fileno()).st_size
        start = max(0, size - TAIL_BYTES)
        self.handle.seek(start)
        *lines, self.partial = self.handle.read().split(b"\n")
        lines = lines[1:] if start else lines  # the first may be cut
        return [decode(raw) for raw in lines[len(lines) - count :]] if count else []

    def new_lines(self) -> list[str]:
        """Whole lines written since the last read, the replaced file's last ones first."""
        lines = self._read()
        if self._replaced():
            if self.partial:  # the old file's last line, never ended
                lines.append(decode(self.partial))
            self.close()
            self.handle, self.partial = self.path.open("rb"), b""
            lines += self._read()
        return lines

    def _read(self) -> list[str]:
        data = self.handle.read() if self.handle is not None else b""
        *whole, self.partial = (self.partial + data).split(b"\n")
        return [decode(raw) for raw in whole]

    def _replaced(self) -> bool:
        """The path is now another file, or was truncated below what was read."""
        try:
            now = self.path.stat()
        except FileNotFoundError:
            return False  # between a rename and the new file: look again next time
        if self.handle is None:
            return True
        mine = os.fstat(self.handle.fileno())
        return (now.st_ino, now.st_dev) != (mine.st_ino, mine.st_dev) or (
            now.st_size < self.handle.tell()
        )

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def decode(raw: bytes) -> str:
    return raw.decode(errors="replace").rstrip("\r")


def log_files(log_dir: Path) -> dict[str, Path]:
    """`<name>.log` files by name, ./run.sh's own first, in the order it starts them."""
    found = {p.name.removesuffix(".log"): p for p in log_dir.glob("*.log") if p.is_file()}
    ranked = sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    return {name: found[name] for name in ranked}


def run_logs(ctx: Context, args: argparse.Namespace) -> int:
    run_dir = RunDir(ctx.settings.run_data_dir.resolve())
    files = log_files(run_dir.log_dir)
    if not files:
        ctx.warn(ctx.message("cli_logs_none", path=run_dir.log_dir))
        return EXIT_FAILED
    unknown = [p for p in args.process if p not in files]
    if unknown:
        known = ", ".join(files)
        ctx.warn(ctx.message("cli_logs_unknown", names=", ".join(unknown), known=known))
        return EXIT_FAILED
    chosen = [Followed(name, files[name]) for name in (args.process or files)]
    running = run_dir.launcher_pid() is not None
    if not running:
        ctx.warn(ctx.message("cli_logs_not_running", path=run_dir.log_dir))
    keep = LineFilter(args.schedule)
    try:
        tails = [(followed.tag, followed.tail(args.lines)) for followed in chosen]
        keep.learn(line for _tag, lines in tails for line in lines)
        for tag, lines in tails:
            show(ctx, tag, lines, keep)
        if running and not args.no_follow:
            follow(ctx, chosen, keep, lambda: run_dir.launcher_pid() is not None)
    except KeyboardInterrupt:
        pass  # how following ends
    finally:
        for followed in chosen:
            followed.close()
    return 0


def show(ctx: Context, tag: str, lines: Iterable[str], keep: LineFilter) -> None:
    for line in lines:
        if keep.keeps(line):
            ctx.say(f"[{tag}] {line}")
    ctx.out.flush()


def follow(
    ctx: Context,
    chosen: list[Followed],
    keep: LineFilter,
    alive: Callable[[], bool],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """New lines as they come, until ./run.sh stops (`alive` turns false)."""
    checked = time.monotonic()
    while True:
        stopped = False
        if time.monotonic() - checked >= ALIVE_CHECK_SECONDS:
            checked = time.monotonic()
            stopped = not alive()
        # Read after the look, so the last lines written before it stopped are shown.
        for followed in chosen:
            show(ctx, followed.tag, followed.new_lines(), keep)
        if stopped:
            ctx.warn(ctx.message("cli_logs_stopped"))
            return
        sleep(POLL_SECONDS)
