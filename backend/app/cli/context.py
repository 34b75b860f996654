"""What every command needs, built on first use: a command that fails on its
arguments never connects to Redis or imports the Celery app."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TextIO

from celery import Celery
from redis import Redis

from app.cli.terminal import Style, printable
from app.core.config import Settings
from app.core.redis import celery_redis_conf, make_redis
from app.presentation import message
from app.schedules import ScheduleService, ScheduleStore, TaskRegistry


@dataclass
class Context:
    settings: Settings
    out: TextIO
    err: TextIO
    style: Style = field(default_factory=Style)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # settings.redis_url is the Redis a running ./run.sh embedded (app.core.run_dir).
    redis_from_run_dir: bool = False

    @cached_property
    def redis(self) -> Redis:
        return make_redis(self.settings)

    @cached_property
    def app(self) -> Celery:
        # Imported here: building the Celery app reads settings, which main() checks first.
        from app.core.celery_app import celery_app

        if self.redis_from_run_dir:
            # Built from REDIS_URL's default; main() found ./run.sh's Redis: send there.
            celery_app.conf.update(celery_redis_conf(self.settings))
        return celery_app

    @property
    def actor(self) -> str:
        """Who made a change, for the audit trail and the pause record: cli:user@host."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (a bare container)
            user = str(os.getuid())
        return f"cli:{user}@{socket.gethostname()}"

    @cached_property
    def store(self) -> ScheduleStore:
        return ScheduleStore(self.redis, self.app, self.settings.timezone)

    @cached_property
    def registry(self) -> TaskRegistry:
        return TaskRegistry.from_celery(self.app)

    @cached_property
    def service(self) -> ScheduleService:
        return ScheduleService(self.store, self.registry, self.clock)

    def say(self, line: str = "") -> None:
        """One line for a person; names from Redis cannot smuggle terminal codes in."""
        self.out.write(printable(line) + "\n")

    def warn(self, line: str) -> None:
        self.err.write(printable(line) + "\n")

    def message(self, key: str, **values: object) -> str:
        """A sentence from the shared catalog, in the configured language."""
        return message(key, self.settings.language, **values)
