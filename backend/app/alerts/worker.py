"""Starts the alert loops in a worker's main process (Celery imports this module in
every worker through the app's `imports`, app/core/celery_app.py).

`worker_ready` is sent once, in the main process, after the pool's processes were
forked: the loops' threads are not copied into them, and a task never waits on them.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import signals

from app.alerts.delivery import where
from app.alerts.loops import AlertLoops
from app.alerts.switch import alerts_active
from app.core.config import get_settings

log = logging.getLogger("app.alerts")

_running: list[AlertLoops] = []


@signals.worker_ready.connect  # type: ignore[untyped-decorator]
def _start(sender: Any = None, **_: Any) -> None:
    settings = get_settings()
    if not alerts_active(settings):
        log.info("alerts: off (ALERTS_ENABLED or HISTORY_ENABLED is false)")
        return
    if _running or sender is None:
        return
    url = settings.alert_webhook_url
    target = where(url.get_secret_value()) if url is not None else "schedules' own webhooks only"
    log.info("alerts: rules and delivery running in this process; webhook %s", target)
    loops = AlertLoops(sender.app, settings)
    loops.start()
    _running.append(loops)


@signals.worker_shutdown.connect  # type: ignore[untyped-decorator]
def _stop(**_: Any) -> None:
    while _running:
        _running.pop().stop()
