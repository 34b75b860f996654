"""./run_api.sh with API_WORKERS=2 under the launcher's supervisor: several uvicorn
processes in the child's group, one that dies is replaced, and a stop leaves none.

No Redis is needed: the API starts without one (/health then answers 503, which is an
answer all the same), so this runs with the unit tests.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from app.core.embedded_redis import free_port
from app.launcher import Child, Supervisor
from app.launcher.stack import REPO_ROOT, answers_http
from tests.unit.launcher.conftest import Said, process_gone, wait_until

WORKERS = 2


def group_members(pgid: int) -> set[int]:
    """Live processes of the process group `pgid` (zombies do not count)."""
    members = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.add(int(entry.name))
    return members


def workers_of(pgid: int) -> set[int]:
    """The group's uvicorn workers (multiprocessing's spawned children; the group also
    holds the parent and multiprocessing's resource tracker)."""
    found = set()
    for pid in group_members(pgid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if b"spawn_main" in cmdline:
            found.add(pid)
    return found


def start_api(supervisor: Supervisor, tmp_path: Path) -> tuple[Child, int]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")},
        "API_PORT": str(port),
        "API_WORKERS": str(WORKERS),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "SCHEDULES_FILE": str(tmp_path / "schedules.json"),
        "PYTHONUNBUFFERED": "1",
    }
    child = supervisor.start("api", [str(REPO_ROOT / "run_api.sh")], env=env, cwd=REPO_ROOT)
    supervisor.wait_until_ready(
        child, lambda: answers_http("127.0.0.1", port), what="no answer", timeout=60
    )
    return child, port


def test_several_api_processes_share_the_port_and_stop_together(
    supervisor: Supervisor, said: Said, tmp_path: Path
) -> None:
    child, port = start_api(supervisor, tmp_path)
    # The workers are in the group the launcher kills as a last resort.
    wait_until(lambda: len(workers_of(child.pid)) == WORKERS, "both workers")
    workers = workers_of(child.pid)

    # One worker dies: uvicorn's parent starts another, and the port keeps answering.
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(workers_of(child.pid) - {victim}) == WORKERS, "a replacement worker")
    assert answers_http("127.0.0.1", port)
    assert not child.has_exited()

    members = group_members(child.pid)
    statuses = supervisor.stop_all()

    # SIGTERM to the parent alone was enough: it stopped its workers and exited cleanly.
    assert statuses == {"api": 0}
    wait_until(lambda: all(process_gone(pid) for pid in members), "no process left")
    assert "Received SIGTERM, exiting." in child.log_text()
    assert not [line for line in said if "did not stop in time" in line]


def test_a_parent_killed_outright_leaves_no_worker_behind(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    """SIGKILL gives uvicorn's parent no chance to stop its workers; the launcher, seeing
    it gone, kills what is left of its group (the workers would keep the port)."""
    child, _ = start_api(supervisor, tmp_path)
    wait_until(lambda: len(workers_of(child.pid)) == WORKERS, "both workers")
    members = group_members(child.pid)

    os.kill(child.pid, signal.SIGKILL)
    assert supervisor.run_until_stopped() == 1  # a child exited: the launcher stops all
    supervisor.stop_all()

    wait_until(lambda: all(process_gone(pid) for pid in members), "no process left")
