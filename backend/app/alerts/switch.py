"""Whether alerts run at all: one answer for the worker that delivers them and the run
that queues a failed-items alert, so nothing is queued that no loop would deliver."""

from __future__ import annotations

from app.core.config import Settings


def alerts_active(settings: Settings) -> bool:
    """ALERTS_ENABLED, and HISTORY_ENABLED too: the rules read the history, and the
    worker starts no loop (not even delivery) without it."""
    return settings.alerts_enabled and settings.history_enabled
