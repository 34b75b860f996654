"""Process supervision for ./run.sh, the benchmarks and the integration tests.

One copy of what used to be written four times (run.sh in bash, two benchmark helpers,
the integration fixtures): start a named child in its own process group, copy its
output to `<log dir>/<name>.log` (and to the terminal as `[name] line`), wait for it to
be ready with a deadline, and stop children with SIGTERM, then SIGKILL of the whole
group after a timeout. `Supervisor` adds the launcher's rules on top: signals, Redis
stopped last, one dead child stops the rest. `python -m app.launcher` (console script
`batchsched-run`) is ./run.sh's stack.
"""

from app.launcher.child import Child, inherited_env
from app.launcher.errors import AlreadyRunning, LaunchError, StartupFailed, StopRequested
from app.launcher.output import Terminal
from app.launcher.pidfile import PidFile
from app.launcher.readiness import log_contains, wait_until_ready
from app.launcher.stopping import stop_children
from app.launcher.supervisor import Supervisor

__all__ = [
    "AlreadyRunning",
    "Child",
    "LaunchError",
    "PidFile",
    "StartupFailed",
    "StopRequested",
    "Supervisor",
    "Terminal",
    "inherited_env",
    "log_contains",
    "stop_children",
    "wait_until_ready",
]
