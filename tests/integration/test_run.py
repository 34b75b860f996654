"""The launcher as a whole (`batchsched-run`, what ./run.sh execs): the real stack up,
answering, and down again on Ctrl-C, Redis last, nothing left behind.

It runs on free ports with a data directory of its own (RUN_DATA_DIR), so it cannot
collide with a developer's running ./run.sh.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.core.embedded_redis import free_port
from app.launcher.stack import named_redis_url
from tests.integration.conftest import ROOT, wait_until

# Generous, for a loaded 2-core machine: the launcher's own gates allow 60 s per step.
BANNER_DEADLINE = 90.0
LEADER_DEADLINE = 60.0
STOP_TIMEOUT = 20.0
# Every child gets STOP_TIMEOUT, Redis after the others: then a margin.
EXIT_DEADLINE = 2 * STOP_TIMEOUT + 20.0
GONE_DEADLINE = 10.0
CLI_TIMEOUT = 120.0
BANNER_END = "Ctrl-C to stop."
EMBEDDED = re.compile(r"^  Redis  embedded, (redis://127\.0\.0\.1:(\d+)/0), ", re.MULTILINE)
# Each child is in a process group of its own; redis-server logs this on SIGTERM.
REDIS_STOPPING = "Received SIGTERM"

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
    # The sum of the deadlines, so that a failure reports what it waited for.
    pytest.mark.timeout(BANNER_DEADLINE + LEADER_DEADLINE + EXIT_DEADLINE + 60),
]


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    ppid: int
    pgid: int
    start: int  # clock ticks after boot: tells a reused pid apart
    zombie: bool


def processes() -> dict[int, ProcInfo]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        pid = int(entry.name)
        found[pid] = ProcInfo(
            pid, int(fields[1]), int(fields[2]), int(fields[19]), fields[0] == "Z"
        )
    return found


def descendants(root: int) -> list[ProcInfo]:
    table = processes()
    result, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        for info in table.values():
            if info.ppid == parent:
                result.append(info)
                frontier.append(info.pid)
    return result


def still_running(recorded: list[ProcInfo], groups: set[int]) -> list[ProcInfo]:
    """Recorded processes not yet gone (same pid and start time, not a zombie), and any
    live process in one of the children's groups."""
    table = processes()
    left = [
        now
        for info in recorded
        if (now := table.get(info.pid)) is not None and now.start == info.start
    ]
    left += [info for info in table.values() if info.pgid in groups and info not in left]
    return [info for info in left if not info.zombie]


def launcher_command() -> list[str]:
    command = ROOT / ".venv" / "bin" / "batchsched-run"
    if command.exists():
        return [str(command)]
    found = shutil.which("batchsched-run")
    if found is None:
        pytest.fail("batchsched-run is neither in .venv nor on PATH; run ./test.sh")
    return [found]


def launcher_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    schedules = tmp_path / "schedules.json"
    schedules.write_text('{"schedules": {}}')
    env.update(
        REDIS_PORT=str(free_port()),
        API_PORT=str(free_port()),
        API_HOST="127.0.0.1",
        RUN_DATA_DIR=str(tmp_path / "data"),
        SCHEDULES_FILE=str(schedules),
        STOP_TIMEOUT=f"{STOP_TIMEOUT:g}",
        WORKER_CONCURRENCY="1",
        LOG_LEVEL="INFO",
        LANGUAGE="en",
    )
    # REDIS_URL unset; but if the repo's .env names a Redis, an empty value in the
    # environment is the documented way to embed one anyway.
    monkeypatch.delenv("REDIS_URL", raising=False)
    if named_redis_url(Settings()) is not None:
        env["REDIS_URL"] = ""
    return env


class Launcher:
    def __init__(self, popen: subprocess.Popen[bytes], output: Path) -> None:
        self.popen = popen
        self.output_path = output
        self.recorded: list[ProcInfo] = []

    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float) -> str:
        def seen() -> str | None:
            out = self.output()
            if text in out:
                return out
            if self.popen.poll() is not None:
                raise AssertionError(
                    f"the launcher exited ({self.popen.returncode}) before printing "
                    f"{text!r}:\n{out[-6000:]}"
                )
            return None

        result: str = wait_until(seen, timeout, what=f"{text!r} from the launcher")
        return result

    def record_children(self) -> list[ProcInfo]:
        self.recorded = descendants(self.popen.pid)
        return [info for info in self.recorded if info.ppid == self.popen.pid]

    def cleanup(self) -> None:
        """For a failed test: stop the launcher (twice: the second kills at once), then
        anything of its children's groups still there."""
        for _ in range(2):
            if self.popen.poll() is None:
                self.popen.send_signal(signal.SIGINT)
                try:
                    self.popen.wait(EXIT_DEADLINE)
                except subprocess.TimeoutExpired:
                    continue
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()
        for info in self.recorded:
            if info.ppid == self.popen.pid:
                try:
                    os.killpg(info.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


@pytest.fixture
def launcher(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Launcher]:
    env = launcher_env(monkeypatch, tmp_path)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    # Read from the working directory, this would send the stack to a Redis that is not
    # there: only the repo's .env counts.
    (workdir / ".env").write_text("REDIS_URL=redis://127.0.0.1:1/0\n")
    output = tmp_path / "output.txt"
    with output.open("wb") as sink:
        popen = subprocess.Popen(
            launcher_command(),
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    started = Launcher(popen, output)
    try:
        yield started
    finally:
        started.cleanup()


def check_schedules(redis_url: str) -> dict[str, Any]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(REDIS_URL=redis_url, LANGUAGE="en", PYTHONUTF8="1")
    result = subprocess.run(
        [str(ROOT / "check_schedules.sh"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def tagged_lines(output: str, tags: tuple[str, ...]) -> list[int]:
    lines = output.splitlines()
    return [i for i, line in enumerate(lines) if line.startswith(tags)]


def test_run_starts_the_stack_and_ctrl_c_stops_it_redis_last(
    launcher: Launcher, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"

    out = launcher.wait_for_output(BANNER_END, BANNER_DEADLINE)
    embedded = EMBEDDED.search(out)
    assert embedded is not None, out[-4000:]
    redis_url = embedded.group(1)
    assert (data_dir / "run.pid").read_text().strip() == str(launcher.popen.pid)
    api_port = re.search(r"^  API    http://127\.0\.0\.1:(\d+)$", out, re.MULTILINE)
    assert api_port is not None, out[-4000:]

    health = httpx.get(f"http://127.0.0.1:{api_port.group(1)}/health", timeout=30)
    assert health.status_code == 200, health.text
    assert health.json() == {"status": "ok", "redis": "ok"}

    def leader() -> dict[str, Any] | None:
        beat: dict[str, Any] = check_schedules(redis_url)["status"]["beat"]
        return beat["leader"] if beat["running"] else None

    leads = wait_until(leader, LEADER_DEADLINE, what="check_schedules.sh to show a leader")
    children = launcher.record_children()
    assert len(children) == 4, children  # redis, worker, beat, api: the scripts exec
    assert leads["pid"] in {info.pid for info in children}, (leads, children)

    stopped_at = len(launcher.output())
    launcher.popen.send_signal(signal.SIGINT)
    assert launcher.popen.wait(EXIT_DEADLINE) == 0, launcher.output()[-6000:]

    out = launcher.output()
    after = out[stopped_at:]
    lines = out.splitlines()
    redis_stop = next(
        (
            i
            for i, line in enumerate(lines)
            if line.startswith("[redis]") and REDIS_STOPPING in line
        ),
        None,
    )
    assert redis_stop is not None, after
    others = tagged_lines(out, ("[worker]", "[beat]", "[api]"))
    assert max(others) < redis_stop, f"a process logged after Redis began stopping:\n{after}"
    assert "Finished server process" in after, "the API shut down cleanly"

    groups = {info.pid for info in children}
    wait_until(
        lambda: not still_running(launcher.recorded, groups),
        GONE_DEADLINE,
        what="every child process of the launcher to be gone",
    )
    assert not (data_dir / "run.pid").exists()
    assert {p.name for p in (data_dir / "logs").glob("*.log")} == {
        "redis.log",
        "worker.log",
        "beat.log",
        "api.log",
    }
