"""The launcher's rules (app/launcher/supervisor.py): one dead child stops the rest
with a non-zero status; signals, for real, in a process of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

from app.launcher import Supervisor, log_contains
from app.launcher.supervisor import RESTART_SIGNAL, STOP_SIGNALS
from tests.unit.launcher.conftest import DEADLINE, Said, process_gone, py, wait_until, waiter


def test_a_child_that_dies_stops_the_rest_and_gives_non_zero(
    supervisor: Supervisor, said: Said
) -> None:
    long = supervisor.start("worker", waiter())
    supervisor.wait_until_ready(long, log_contains(long, "up"), what="up", timeout=DEADLINE)
    dying = supervisor.start("beat", py("import sys; print('lost Redis'); sys.exit(3)"))

    assert supervisor.run_until_stopped() == 1
    assert said == [f"beat exited (status 3), so the rest are stopping; see {dying.log_path}"]
    assert supervisor.stop_all() == {"worker": 0, "beat": 3}


def test_a_child_killed_by_a_signal_is_named_so(supervisor: Supervisor, said: Said) -> None:
    child = supervisor.start("api", waiter())
    supervisor.wait_until_ready(child, log_contains(child, "up"), what="up", timeout=DEADLINE)
    child.send(signal.SIGKILL)

    assert supervisor.run_until_stopped() == 1
    assert said[0].startswith("api exited (killed by SIGKILL), so the rest are stopping")


def test_a_stop_request_gives_zero(supervisor: Supervisor, said: Said) -> None:
    supervisor.start("worker", waiter())
    supervisor.request_stop()

    assert supervisor.run_until_stopped() == 0
    assert said == ["stopping (press Ctrl-C again to kill at once)..."]


# A launcher in miniature: the real Supervisor and signal handlers, two children.
DRIVER = """
import sys
from pathlib import Path
from app.launcher import Supervisor, log_contains
from app.launcher.supervisor import RESTART_SIGNAL, STOP_SIGNALS
child_code = sys.argv[2]
supervisor = Supervisor(Path(sys.argv[1]), stop_timeout=float(sys.argv[3]))
supervisor.install_signal_handlers()
try:
    for name in ("worker", "redis"):
        argv = [sys.executable, "-c", child_code]
        child = supervisor.start(name, argv, stop_last=name == "redis")
        supervisor.wait_until_ready(child, log_contains(child, "up"), what="up", timeout=30)
    print(" ".join(str(c.pid) for c in supervisor.children), flush=True)
    status = supervisor.run_until_stopped()
finally:
    print(supervisor.stop_all(), flush=True)
sys.exit(status)
"""


def start_driver(tmp_path: Path, on_term: str, stop_timeout: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*py(DRIVER), str(tmp_path), waiter(on_term)[2], str(stop_timeout)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_ctrl_c_stops_every_child_and_exits_zero(tmp_path: Path) -> None:
    driver = start_driver(tmp_path, "sys.exit(0)", DEADLINE)
    assert driver.stdout is not None
    pids = [int(pid) for pid in driver.stdout.readline().split()]

    driver.send_signal(signal.SIGINT)
    out, err = driver.communicate(timeout=DEADLINE)

    assert driver.returncode == 0, err
    assert out == "{'worker': 0, 'redis': 0}\n"
    assert "stopping (press Ctrl-C again to kill at once)..." in err
    assert all(process_gone(pid) for pid in pids)


def test_a_second_ctrl_c_kills_at_once(tmp_path: Path) -> None:
    driver = start_driver(tmp_path, "print('ignoring SIGTERM', flush=True)", 600)
    assert driver.stdout is not None
    driver.stdout.readline()

    driver.send_signal(signal.SIGINT)
    log = tmp_path / "worker.log"
    wait_until(lambda: "ignoring SIGTERM" in log.read_text(), "SIGTERM to reach the worker")
    driver.send_signal(signal.SIGINT)
    out, err = driver.communicate(timeout=DEADLINE)

    assert out == "{'worker': -9, 'redis': -9}\n", err
    assert "worker did not stop in time; killing it" in err
    assert driver.returncode == 0


def test_each_child_leads_its_own_process_group(supervisor: Supervisor) -> None:
    # So a Ctrl-C on the terminal (SIGINT to the foreground group) reaches only the
    # launcher, which stops the children in order.
    child = supervisor.start("worker", waiter())

    assert os.getpgid(child.pid) == child.pid != os.getpgid(0)


# ---- restart (SIGUSR1, from `batchsched-cli restart`) ----


def test_a_restart_starts_the_children_again_but_not_the_stop_last_ones(
    supervisor: Supervisor, said: Said
) -> None:
    worker = supervisor.start("worker", waiter())
    redis = supervisor.start("redis", waiter(), stop_last=True)
    for child in (worker, redis):
        supervisor.wait_until_ready(child, log_contains(child, "up"), what="up", timeout=DEADLINE)
    watching = threading.Thread(target=supervisor.run_until_stopped)
    watching.start()
    try:
        supervisor.request_restart()

        wait_until(lambda: supervisor.children[0] is not worker, "a new worker")
        fresh = supervisor.children[0]
        wait_until(log_contains(fresh, "up"), "the new worker to be up")
        assert process_gone(worker.pid) and worker.process.returncode == 0
        assert supervisor.children[1] is redis and not redis.has_exited()
        assert (fresh.log_path.parent / "worker.log.1").read_text() == "up\n"
        assert said[:1] == ["restarting worker (asked by SIGUSR1)..."]
    finally:
        supervisor.request_stop()
        watching.join(DEADLINE)
    assert not watching.is_alive()


def test_sigusr1_asks_for_a_restart(supervisor: Supervisor) -> None:
    signals = (*STOP_SIGNALS, RESTART_SIGNAL)
    previous = {sig: signal.getsignal(sig) for sig in signals}
    try:
        supervisor.install_signal_handlers()
        os.kill(os.getpid(), RESTART_SIGNAL)

        wait_until(lambda: supervisor.restart_requested, "the restart request")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert not supervisor.stop_requested
