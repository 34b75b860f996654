"""The one rule that needs a run's return value: failed items (seed 001).

History keeps a bounded summary of a result, which may be cut before its counts, so
the worker checks the value itself as the run succeeds (app/execution/tracking.py).
A result reporting no failed item costs nothing; one that does costs two Redis round
trips (the schedule's threshold, the queue). Nothing here can fail or hold up the run
beyond that: the webhook is called elsewhere, later.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from app.alerts.detector import queue_event
from app.alerts.rules import ScheduleAlerts, failed_items_event, item_counts
from app.alerts.switch import alerts_active
from app.core.config import get_settings
from app.schedules import RateLimit, RunRecord, ScheduleStore

log = logging.getLogger("app.alerts")


def check_result(store: ScheduleStore, running: RunRecord, result: Any) -> None:
    """Queue a failed_items alert if `result` (a succeeded run's return value) reports
    enough failed items. `running`: the run's record as it ran."""
    settings = get_settings()
    if not alerts_active(settings):
        return
    counts = item_counts(result)
    if counts is None or counts.failed == 0:
        return
    now = time.time()
    rec = replace(running, outcome="succeeded", finished_at=now)
    try:
        entry = store.get(rec.schedule)
        spec = entry.spec if entry is not None else None
        own = ScheduleAlerts.of(spec.policy if spec is not None else None)
        threshold = own.failed_items or settings.alert_failed_items
        event = failed_items_event(rec, counts, threshold, now)
        if event is not None:
            limit = RateLimit(settings.alert_rate_limit, settings.alert_rate_window_seconds)
            queue_event(store, event, limit)
    except Exception:
        log.warning(
            "alerts: could not check the failed items of %s (run %s)",
            rec.schedule,
            rec.task_id,
            exc_info=True,
        )
