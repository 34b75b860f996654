"""Tagged output (app/launcher/output.py, through Child)."""

from __future__ import annotations

import io
from pathlib import Path

from app.launcher import Child, Terminal
from tests.unit.launcher.conftest import py

TWO_LINES = (
    "import sys; sys.stdout.write('one\\n'); sys.stderr.write('two 한글\\n'); "
    "print('three', end='')"
)


def test_each_line_goes_to_the_log_and_to_the_terminal_tagged(tmp_path: Path) -> None:
    screen = io.StringIO()

    child = Child.spawn("worker", py(TWO_LINES), log_dir=tmp_path, terminal=Terminal(screen))
    assert child.reap() == 0

    assert (tmp_path / "worker.log").read_text() == "one\ntwo 한글\nthree\n"
    assert sorted(screen.getvalue().splitlines()) == [
        "[worker] one",
        "[worker] three",
        "[worker] two 한글",
    ]


def test_the_previous_log_is_kept_as_dot_1(tmp_path: Path) -> None:
    (tmp_path / "beat.log").write_text("the last run's crash\n")

    child = Child.spawn("beat", py("print('new run')"), log_dir=tmp_path)
    child.reap()

    assert (tmp_path / "beat.log.1").read_text() == "the last run's crash\n"
    assert (tmp_path / "beat.log").read_text() == "new run\n"


def test_without_a_terminal_lines_go_to_the_log_only(tmp_path: Path) -> None:
    child = Child.spawn("api", py("print('quiet')"), log_dir=tmp_path)
    child.reap()

    assert child.log_text() == "quiet\n"


def test_a_closed_terminal_does_not_stop_the_log(tmp_path: Path) -> None:
    screen = io.StringIO()
    screen.close()

    argv = py("print('a'); print('b')")
    child = Child.spawn("api", argv, log_dir=tmp_path, terminal=Terminal(screen))
    child.reap()

    assert child.log_text() == "a\nb\n"
