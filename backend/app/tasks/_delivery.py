"""When each task's message is acknowledged, and so what a dead worker means for it.

By default Celery acknowledges a message as its task starts: a worker that dies mid-run
takes the run with it, and history records the fire as `lost` (at most once). A task
that is safe to run again (the same inputs leave the same end state, and nothing is
delivered outside twice) takes `RERUN_SAFE` instead: `acks_late` keeps the message
unacknowledged until the run ends, and `reject_on_worker_lost` hands it back to the
queue when the pool process running it dies (killed, out of memory), so the fire runs
again at once and history records the dead attempt as `retried` (reason `worker lost`).

Which task takes which, and why, is in each decorator and in docs/reliability.md.
Whatever the choice, a fire whose whole worker is gone is recorded as `lost` once its
lease runs out: the broker gives an unacknowledged message back only after its
visibility timeout (an hour), and by then the fire has ended, so the worker drops that
late copy (app/execution/tracking.py) instead of running a slot twice.
"""

from typing import Any

RERUN_SAFE: dict[str, Any] = {"acks_late": True, "reject_on_worker_lost": True}
AT_MOST_ONCE: dict[str, Any] = {"acks_late": False, "reject_on_worker_lost": False}
