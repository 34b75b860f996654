"""`batchsched-flower` (what ./run_flower.sh execs): Flower against this stack's Redis.

Flower shows each task as the workers report it (run_worker.sh starts them with -E):
arguments, result, traceback, timings, and which worker ran it. We do not rebuild that;
the schedule-level view (history, failing streaks) is the API's and the CLI's.

Its Redis is found as the CLI finds it (app.core.run_dir): REDIS_URL when set in the
environment or .env, else the Redis a running ./run.sh embedded, else the default.
It listens on 127.0.0.1:5555 unless told otherwise: Flower has no login by default and
can revoke tasks. Arguments go to Flower after these defaults, so they win:
`./run_flower.sh --port=5556`, `--address=0.0.0.0 --basic-auth=ops:secret`.

Flower is an optional dependency (the `flower` extra; the dev tools include it). Run
from the repo's .venv it is installed on first use; elsewhere the error says how.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from app.core.config import get_settings
from app.core.redis import redacted_url
from app.core.run_dir import resolved_redis_url
from app.launcher.commands import CELERY_APP
from app.launcher.stack import REPO_ROOT

# The one pin: backend/pyproject.toml's extras and docker-compose.yml's FLOWER_VERSION
# must say the same (tests/unit/launcher/test_flower.py checks).
FLOWER_VERSION = "2.2.0"
DEFAULTS = ("--address=127.0.0.1", "--port=5555")


def _say(message: str) -> None:
    print(f"run_flower.sh: {message}", file=sys.stderr, flush=True)


def in_repo_venv() -> bool:
    return Path(sys.prefix).resolve() == (REPO_ROOT / ".venv").resolve()


def ensure_flower() -> bool:
    """True when Flower can be imported, installing it into the repo's .venv if need be."""
    if importlib.util.find_spec("flower") is not None:
        return True
    pin = f"flower=={FLOWER_VERSION}"
    if not in_repo_venv():
        _say(f"Flower is not installed here; install it with: pip install '{pin}'")
        return False
    _say(f"installing {pin} into .venv (once)...")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", pin],
        check=False,
    )
    importlib.invalidate_caches()
    if done.returncode != 0 or importlib.util.find_spec("flower") is None:
        _say(f"could not install {pin}; see pip's output above")
        return False
    return True


def flower_argv(run_redis_url: str | None, extra: list[str]) -> list[str]:
    """`celery ... flower`; `run_redis_url`: the embedded Redis of a running ./run.sh,
    for broker and results (None: the app's own, from REDIS_URL, which stays off the
    command line and so out of `ps`: it may hold a password)."""
    redis = []
    if run_redis_url is not None:
        redis = ["--broker", run_redis_url, "--result-backend", run_redis_url]
    return [
        "celery",
        "-A",
        CELERY_APP,
        *redis,
        "flower",
        *DEFAULTS,
        *extra,
    ]


def main() -> None:
    settings = get_settings()
    if not ensure_flower():
        raise SystemExit(1)
    url = resolved_redis_url(settings)
    _say(f"Flower for the workers on {redacted_url(url)}")
    from celery.__main__ import main as celery_main

    # As commands._celery: Celery's entry point reads sys.argv.
    sys.argv = flower_argv(url if url != settings.redis_url else None, sys.argv[1:])
    celery_main()
