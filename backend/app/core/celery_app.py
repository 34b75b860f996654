"""The Celery application: `from app.core.celery_app import celery_app`."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.app.amqp import AMQP
from kombu.connection import Connection

from app.core.config import get_settings
from app.core.constants import REDBEAT_PREFIX
from app.core.logging import install_celery_hooks
from app.core.redis import celery_redis_conf, redacted_url

log = logging.getLogger(__name__)

TASK_MODULES = [
    "app.tasks.collection",
    "app.tasks.media",
    "app.tasks.maintenance",
    "app.tasks.reports",
    "app.tasks.scheduler",
    "app.tasks.tables",
]


class RedactingConnection(Connection):
    """kombu's Connection, shown as `redacted_url` shows a URL.

    kombu's `as_uri()` puts its mask in place of the password whether there is one or
    not, so the worker's and Beat's banners and the worker's "Connected to" line read
    `redis://:**@127.0.0.1:6379/0` for a Redis with no password at all.
    """

    def as_uri(self, include_password: bool = False, *args: Any, **kwargs: Any) -> str:
        uri = str(super().as_uri(True, *args, **kwargs))
        return uri if include_password else redacted_url(uri)

    def maybe_close_channel(self, channel: Any) -> None:
        """kombu's, which ignores the broker's errors, ignoring one more.

        When a worker loses the broker, Celery first collects the connection, which can
        leave a channel open but its transport gone, then closes it. Closing a Redis
        channel puts its unacknowledged messages back, which needs a connection made
        from the transport, and kombu raises AttributeError where the transport was.
        Celery takes that for an unrecoverable error and the worker exits: in about one
        Sentinel failover in ten in tests/integration/test_sentinel.py's setup. Those
        messages are put back as when the broker cannot be reached at all, by kombu's
        visibility timeout.
        """
        try:
            super().maybe_close_channel(channel)  # type: ignore[no-untyped-call]
        except AttributeError as exc:
            log.warning("broker: a channel of a lost connection closed half-way (%s)", exc)


class RedactingAMQP(AMQP):  # type: ignore[misc]
    """Celery's broker plumbing with `RedactingConnection` as its connection class."""

    Connection = RedactingConnection


def create_celery_app() -> Celery:
    settings = get_settings()
    app = Celery(
        "app",
        amqp=RedactingAMQP,
        include=TASK_MODULES,
        # Every task retries as its fire's policy says (app/execution/task.py).
        task_cls="app.execution.task:ScheduledTask",
    )
    app.conf.update(
        # JSON only: pickle would let anyone who can write to Redis run code on workers.
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        timezone=settings.timezone,
        enable_utc=True,
        task_track_started=True,
        # Results carry the task name and arguments, so a run can be traced to its schedule.
        result_extended=True,
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=True,
        beat_scheduler="app.beat.scheduler:BatchScheduler",
        # Run history: the worker records each run of a fire (app/execution/tracking.py);
        # its presence tells status it is alive (app/execution/presence.py).
        # Alerts: rules and webhook delivery in its main process (app/alerts/worker.py).
        imports=["app.execution.tracking", "app.execution.presence", "app.alerts.worker"],
        beat_max_loop_interval=settings.beat_max_loop_interval,
        redbeat_key_prefix=REDBEAT_PREFIX,
        redbeat_lock_timeout=settings.beat_lock_timeout,
        # Broker, results and RedBeat on REDIS_URL: TLS with the same checks and files
        # for all three, and with Sentinel each library's own client (app/core/redis.py).
        **celery_redis_conf(settings),
    )
    return app


celery_app = create_celery_app()
# LOG_FORMAT=json for the worker and Beat (app/core/logging.py).
install_celery_hooks()
