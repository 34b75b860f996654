"""`batchsched-run` (what ./run.sh execs): the whole stack on this machine.

Redis, a Celery worker, Celery Beat and the API, each line of their output tagged
`[name]` on the terminal and kept in `.data/logs/<name>.log`. Ctrl-C (or SIGTERM) stops
everything, Redis last; a second Ctrl-C kills at once. If one process dies the rest
are stopped and the exit status is 1. Configuration: Settings (REDIS_URL, REDIS_PORT,
STOP_TIMEOUT, RUN_DATA_DIR, API_HOST, API_PORT, ...), from the environment or the
repo's .env.
"""

from __future__ import annotations

import sys

from pydantic import ValidationError

from app.core.config import Settings, get_settings, settings_problems
from app.core.embedded_redis import RedisServerError
from app.launcher.banner import banner
from app.launcher.errors import AlreadyRunning, LaunchError, StopRequested
from app.launcher.output import Terminal
from app.launcher.pidfile import PidFile
from app.launcher.stack import REPO_ROOT, Layout, start_stack
from app.launcher.supervisor import STOPPING, Supervisor


def say(message: str) -> None:
    try:
        print(f"run.sh: {message}", file=sys.stderr, flush=True)
    except OSError:
        pass  # The terminal is gone (SIGHUP); stopping goes on regardless.


def main() -> int:
    try:
        settings = get_settings()
    except ValidationError as exc:
        for line in settings_problems(exc):
            say(f"a setting is invalid: {line}")
        return 1
    layout = Layout(REPO_ROOT, settings.run_data_dir.resolve())
    pid_file = PidFile(layout.pid_file)
    try:
        pid_file.claim()
    except AlreadyRunning as exc:
        say(str(exc))
        return 1
    try:
        terminal = Terminal(sys.stdout)
        supervisor = Supervisor(
            layout.log_dir, stop_timeout=settings.stop_timeout, terminal=terminal, say=say
        )
        supervisor.install_signal_handlers()
        try:
            return supervise(supervisor, settings, layout, terminal)
        finally:
            supervisor.stop_all()
    finally:
        pid_file.release()


def supervise(
    supervisor: Supervisor, settings: Settings, layout: Layout, terminal: Terminal
) -> int:
    """Start the stack and watch it; the exit status of the launcher."""
    try:
        redis = start_stack(supervisor, settings, layout, say)
    except StopRequested:
        say(STOPPING)
        return 0
    except (LaunchError, RedisServerError) as exc:
        say(str(exc))
        return 1
    # Through the terminal's lock, so that no child's line lands inside the banner.
    terminal.write_line(
        banner(
            api_host=settings.api_host,
            api_port=settings.api_port,
            redis_url=redis.url,
            embedded=redis.embedded,
            redis_dir=layout.redis_dir,
            log_dir=layout.log_dir,
            timezone=settings.timezone,
        )
    )
    return supervisor.run_until_stopped()
