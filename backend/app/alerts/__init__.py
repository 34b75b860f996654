"""Alerts through a webhook: what is worth an alert (rules), the message (payload) and
its delivery (loops in each worker's main process). docs/alerts.md says what an
operator sets and sees.

The rules read the run history (every fire's record, app/schedules/runs.py) rather
than being called from Beat or the worker, so a run's path carries no alerting work;
the one exception is `check_result`, which needs a run's return value.
"""

from app.alerts.delivery import DeliveryPolicy, Sender, attempt_delivery, where
from app.alerts.detector import Detector, queue_event
from app.alerts.events import KINDS, AlertEvent, Kind
from app.alerts.loops import AlertLoops
from app.alerts.payload import Links, build_payload, headline
from app.alerts.results import check_result
from app.alerts.rules import ItemCounts, ScheduleAlerts, Thresholds, item_counts

__all__ = [
    "KINDS",
    "AlertEvent",
    "AlertLoops",
    "DeliveryPolicy",
    "Detector",
    "ItemCounts",
    "Kind",
    "Links",
    "ScheduleAlerts",
    "Sender",
    "Thresholds",
    "attempt_delivery",
    "build_payload",
    "check_result",
    "headline",
    "item_counts",
    "queue_event",
    "where",
]
