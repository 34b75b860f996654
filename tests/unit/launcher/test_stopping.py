"""Stopping: SIGTERM, the stop timeout, SIGKILL of the group, Redis last, a second
request kills at once (app/launcher/stopping.py and Supervisor.stop_all)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from app.launcher import Supervisor, log_contains, stop_children
from tests.unit.launcher.conftest import DEADLINE, Said, process_gone, py, wait_until, waiter

# Ignores SIGTERM, and so does the grandchild it starts in its own process group.
STUBBORN = """
import signal, subprocess, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
grandchild = subprocess.Popen([sys.executable, "-c",
    "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); "
    "signal.pause()"], stdout=subprocess.PIPE)
grandchild.stdout.readline()
print("grandchild", grandchild.pid, flush=True)
signal.pause()
"""


def up(supervisor: Supervisor, name: str, argv: list[str], stop_last: bool = False) -> None:
    child = supervisor.start(name, argv, stop_last=stop_last)
    supervisor.wait_until_ready(child, log_contains(child, "up"), what="no 'up'", timeout=DEADLINE)


def test_sigterm_is_enough_for_a_child_that_stops(supervisor: Supervisor, said: Said) -> None:
    up(supervisor, "worker", waiter("print('bye', flush=True); sys.exit(0)"))

    assert supervisor.stop_all() == {"worker": 0}
    assert supervisor.children[0].log_text() == "up\nbye\n"
    assert said == []


def test_sigkill_to_the_whole_group_after_the_stop_timeout(tmp_path: Path, said: Said) -> None:
    supervisor = Supervisor(tmp_path, stop_timeout=0.2, say=said)
    child = supervisor.start("worker", py(STUBBORN))
    line = wait_until(lambda: [x for x in child.log_text().splitlines() if "grandchild" in x], "up")
    grandchild = int(line[0].split()[1])

    assert supervisor.stop_all() == {"worker": -signal.SIGKILL}
    assert said == ["worker did not stop in time; killing it"]
    wait_until(lambda: process_gone(grandchild), "the grandchild to be killed too")


def test_redis_is_stopped_after_every_other_child(supervisor: Supervisor) -> None:
    # The others take a while to stop; Redis, on SIGTERM, logs which of them still run.
    slow = waiter("time.sleep(0.5); sys.exit(0)")
    up(supervisor, "worker", slow)
    up(supervisor, "api", slow)
    pids = " ".join(str(child.pid) for child in supervisor.children)
    on_term = (
        f"running = [p for p in {pids.split()!r} if os.path.exists('/proc/' + p) and "
        "open('/proc/' + p + '/stat').read().rsplit(')', 1)[1].split()[0] != 'Z']; "
        "print('others running at SIGTERM:', running, flush=True); sys.exit(0)"
    )
    up(supervisor, "redis", waiter(on_term), stop_last=True)
    redis = supervisor.children[-1]

    statuses = supervisor.stop_all()

    assert statuses == {"worker": 0, "api": 0, "redis": 0}
    assert list(statuses) == ["worker", "api", "redis"]
    assert "others running at SIGTERM: []" in redis.log_text()


def test_a_second_request_while_stopping_kills_at_once(supervisor: Supervisor) -> None:
    up(supervisor, "worker", waiter("print('ignoring SIGTERM', flush=True)"))
    child = supervisor.children[0]
    supervisor.request_stop()  # the first Ctrl-C
    stopped: dict[str, int] = {}
    stopping = threading.Thread(target=lambda: stopped.update(supervisor.stop_all()))
    stopping.start()
    wait_until(log_contains(child, "ignoring SIGTERM"), "SIGTERM to reach the child")

    supervisor.request_stop()  # the second: the stop timeout (30 s) is not waited for
    stopping.join(DEADLINE / 2)

    assert stopped == {"worker": -signal.SIGKILL}


def test_stop_children_sends_the_signal_asked_for(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, stop_timeout=DEADLINE)
    up(supervisor, "beat", waiter())

    assert stop_children(supervisor.children, DEADLINE, sig=signal.SIGKILL) == {
        "beat": -signal.SIGKILL
    }
