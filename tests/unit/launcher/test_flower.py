"""app/launcher/flower.py: ./run_flower.sh's command line and its one pin."""

from __future__ import annotations

import tomllib
from pathlib import Path

from app.launcher.flower import FLOWER_VERSION, flower_argv

ROOT = Path(__file__).resolve().parents[3]
EXTRAS = tomllib.loads((ROOT / "backend" / "pyproject.toml").read_text())["project"][
    "optional-dependencies"
]


def test_the_pin_is_the_one_the_extras_install() -> None:
    pin = f"flower=={FLOWER_VERSION}"

    assert EXTRAS["flower"] == [pin]
    assert pin in EXTRAS["dev"]


def test_flower_listens_on_loopback_unless_told_otherwise() -> None:
    argv = flower_argv(None, ["--port=5556"])

    assert argv == [
        "celery",
        "-A",
        "app.core.celery_app:celery_app",
        "flower",
        "--address=127.0.0.1",
        "--port=5555",
        "--port=5556",  # later wins
    ]


def test_the_embedded_redis_of_a_running_stack_is_named_on_the_command_line() -> None:
    url = "redis://127.0.0.1:40123/0"

    argv = flower_argv(url, [])

    assert argv[3:8] == ["--broker", url, "--result-backend", url, "flower"]
