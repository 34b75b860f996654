"""Real parts: a redis-server on a free port, and the worker and Beat started by the
same scripts that ./run.sh and docker compose use."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from redis import Redis

from app.core.celery_app import celery_app
from app.core.embedded_redis import RedisServer, free_port
from app.launcher import (
    Child,
    StartupFailed,
    Supervisor,
    log_contains,
    stop_children,
    wait_until_ready,
)
from app.schedules.registry import TaskRegistry
from app.schedules.service import ScheduleService
from app.schedules.store import ScheduleStore

ROOT = Path(__file__).resolve().parents[2]
# Generous: CI is a loaded 2-core machine, and a cold Celery start takes seconds there.
START_DEADLINE = 60.0
EVENT_DEADLINE = 30.0
STOP_DEADLINE = 20.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def wait_until(
    predicate: Callable[[], Any], timeout: float = EVENT_DEADLINE, what: str = "condition"
) -> Any:
    """Poll until predicate() is truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


class Proc:
    """One of the project's scripts, run by the launcher's supervisor (app/launcher) with
    its output in a log file."""

    def __init__(self, child: Child, script: str) -> None:
        self.child = child
        self.script = script

    @property
    def popen(self) -> subprocess.Popen[bytes]:
        return self.child.process

    @property
    def log_path(self) -> Path:
        return self.child.log_path

    def log(self) -> str:
        return self.child.log_text()

    def wait_for_log(self, text: str, timeout: float = START_DEADLINE) -> None:
        try:
            wait_until_ready(
                self.child,
                log_contains(self.child, text),
                what=f"{text!r} did not appear in the {self.script} log",
                timeout=timeout,
            )
        except StartupFailed as exc:
            raise AssertionError(
                f"{exc}\n--- {self.script} log ---\n{self.log()[-4000:]}"
            ) from None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_DEADLINE) -> int:
        """`sig`, then SIGKILL to its process group after `timeout`; the exit status."""
        return stop_children([self.child], timeout, sig=sig)[self.child.name]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(data_dir=tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[Redis]:
    client = Redis.from_url(redis_server.url, decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def store(redis: Redis) -> ScheduleStore:
    return ScheduleStore(redis, celery_app, "Asia/Seoul")


@pytest.fixture(scope="session")
def registry() -> TaskRegistry:
    return TaskRegistry.from_celery(celery_app)


@pytest.fixture
def schedules_file(tmp_path: Path) -> Path:
    path = tmp_path / "schedules.json"
    write_schedules(path, {})
    return path


def write_schedules(path: Path, schedules: dict[str, Any]) -> None:
    """Write by rename, as editors do, so a reader never sees half a file."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"schedules": schedules}, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


# What the processes under test inherit from this one; nothing else, so a developer's
# own settings cannot change what the tests see.
KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in KEEP_ENV}
    env.update(extra)
    return env


def stack_env(redis_url: str, schedules_file: Path, **extra: str) -> dict[str, str]:
    """The scripts' settings for a stack under test: INFO logs, a short Beat lock (a
    takeover in seconds), unbuffered output; `extra` adds or overrides."""
    defaults = {
        "REDIS_URL": redis_url,
        "SCHEDULES_FILE": str(schedules_file),
        "LOG_LEVEL": "INFO",
        "WORKER_CONCURRENCY": "2",
        "BEAT_LOCK_TIMEOUT": "3",
        "PYTHONUNBUFFERED": "1",
    }
    return base_env(**{**defaults, **extra})


class Stack:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.supervisor = Supervisor(logs, stop_timeout=STOP_DEADLINE)

    def start(self, script: str, name: str | None = None, **env: str) -> Proc:
        label = f"{name or script.removesuffix('.sh')}-{len(self.supervisor.children)}"
        child = self.supervisor.start(label, [str(ROOT / script)], env={**self.env, **env})
        return Proc(child, script)

    def worker(self) -> Proc:
        proc = self.start("run_worker.sh", "worker")
        proc.wait_for_log("ready.")
        return proc

    def beat(self, **env: str) -> Proc:
        proc = self.start("run_celery_beat.sh", "beat", **env)
        proc.wait_for_log("beat: Starting...")
        return proc

    def api(self, **env: str) -> str:
        """Start ./run_api.sh on a free port; returns its base URL."""
        port = free_port()
        proc = self.start("run_api.sh", "api", API_PORT=str(port), **env)
        proc.wait_for_log("Application startup complete")
        return f"http://127.0.0.1:{port}"

    def stop_all(self) -> None:
        self.supervisor.stop_all()


@pytest.fixture
def stack(
    redis_server: RedisServer, redis: Redis, schedules_file: Path, tmp_path: Path
) -> Iterator[Stack]:
    env = stack_env(redis_server.url, schedules_file)
    command = "batchsched-worker"  # the scripts exec the package's console scripts
    if shutil.which(command) is None and not (ROOT / ".venv" / "bin" / command).exists():
        pytest.fail(f"{command} is neither in .venv nor on PATH; run ./test.sh")
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = Stack(env, logs)
    yield stack
    stack.stop_all()


class _Served(Protocol):
    """A module's shared processes: what `create` needs of its `shared` fixture."""

    store: ScheduleStore
    service: ScheduleService


@pytest.fixture
def create(shared: _Served) -> Iterator[Callable[..., str]]:
    """create(name, **definition) through the module's `shared` service; deleted when
    the test ends (modules that define `shared` get it)."""
    made: list[str] = []

    def make(name: str, **definition: Any) -> str:
        shared.service.create({"name": name, **definition})
        made.append(name)
        return name

    yield make
    for name in made:
        if shared.store.get(name) is not None:
            shared.service.delete(name)


def pool_processes(pid: int) -> list[int]:
    """The children of process `pid` (a prefork worker's pool), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue  # gone meanwhile
        if stat and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class Launcher:
    """./run.sh's launcher (batchsched-run) in a process group of its own."""

    process: subprocess.Popen[bytes]
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(STOP_DEADLINE * 2)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_launcher(env: dict[str, str], output: Path) -> Launcher:
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "batchsched-run")],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    launcher = Launcher(process, output)
    wait_until(lambda: "Ctrl-C to stop." in launcher.text(), START_DEADLINE, what="the banner")
    return launcher
