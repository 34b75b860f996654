"""What every part of the store shares: the client, the codec, the wake-up push."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from celery import Celery
from redis import Redis
from redis.client import Pipeline

from app.core.constants import BEAT_WAKE_KEY, WAKE_TTL_SECONDS
from app.schedules import entry as codec
from app.schedules.entry import Entry

log = logging.getLogger("app.schedules.store")


class StoreBase:
    def __init__(self, redis: Redis, app: Celery, default_tz: str) -> None:
        self.redis = redis
        self.app = app
        self.default_tz = default_tz

    def _decode(self, key: str, fields: list[str | None]) -> Entry | None:
        return codec.decode(key, fields, self.default_tz, self.app)

    def _decode_lenient(self, key: str, fields: list[str | None]) -> Entry | None:
        """An unreadable entry counts as absent, so a save or a sync can repair it."""
        try:
            return self._decode(key, fields)
        except Exception:
            log.warning("schedule %r cannot be read; treating it as absent", key, exc_info=True)
            return None


def wake_beat(pipe: Pipeline) -> None:
    """Queue the wake token, so a Beat blocked in `wait_for_change` looks again at once.
    The token is the write's time (this host's clock): Beat counts how long it waited."""
    pipe.lpush(BEAT_WAKE_KEY, repr(time.time()))
    pipe.ltrim(BEAT_WAKE_KEY, 0, 0)
    pipe.expire(BEAT_WAKE_KEY, WAKE_TTL_SECONDS)


def with_due(entry: Entry | None, score: float | None) -> Entry | None:
    if entry is not None and score is not None and score >= 0:
        entry.next_run_at = datetime.fromtimestamp(score, UTC)
    return entry


def strs(values: Any) -> list[str | None]:
    """The client decodes responses; this tells the type checker so."""
    return cast(list[str | None], values)


def as_mapping(fields: Mapping[str, str]) -> Any:
    """redis-py's hset wants a Mapping over its whole key type union (invariant keys)."""
    return fields
