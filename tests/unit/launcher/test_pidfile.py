"""One launcher per data directory (app/launcher/pidfile.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from app.launcher import AlreadyRunning, PidFile
from tests.unit.launcher.conftest import DEADLINE, py

HOLDER = """
import sys
from pathlib import Path
from app.launcher import PidFile
with PidFile(Path(sys.argv[1])):
    print("holding", flush=True)
    sys.stdin.read()
"""


def test_a_second_claim_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    path = tmp_path / ".data" / "run.pid"
    with PidFile(path):
        assert path.read_text() == f"{os.getpid()}\n"
        with pytest.raises(AlreadyRunning) as refused:
            PidFile(path).claim()

    assert str(refused.value) == (
        f"another ./run.sh is running (pid {os.getpid()}) with its data in {path.parent}; "
        "stop it first, or set RUN_DATA_DIR to another directory"
    )
    assert not path.exists(), "released: the file goes"


def test_the_claim_is_free_again_once_the_holder_exits(tmp_path: Path) -> None:
    path = tmp_path / "run.pid"
    holder = subprocess.Popen(
        [*py(HOLDER), str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline() == "holding\n"

    with pytest.raises(AlreadyRunning, match=f"pid {holder.pid}"):
        PidFile(path).claim()
    holder.stdin.close()
    assert holder.wait(DEADLINE) == 0
    holder.stdout.close()

    with PidFile(path):
        assert path.read_text() == f"{os.getpid()}\n"


def test_a_stale_file_of_a_dead_launcher_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "run.pid"
    path.write_text("999999999\n")  # a killed launcher's leftover: nobody holds the lock

    with PidFile(path):
        assert path.read_text() == f"{os.getpid()}\n"
