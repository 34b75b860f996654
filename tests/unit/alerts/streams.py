"""What the alert tests of both tiers read straight from Redis: the alerts queued, and
whether both consumer groups have nothing left to do."""

from __future__ import annotations

from typing import Any

from redis import Redis
from redis.exceptions import ResponseError

from app.core.constants import (
    ALERT_DELIVERY_GROUP,
    ALERT_RULES_GROUP,
    ALERTS_STREAM_KEY,
    HISTORY_ALL_KEY,
)


def queued_alerts(redis: Redis) -> list[tuple[str, int]]:
    """Every alert queued, delivered or not, oldest first: (event JSON, held back)."""
    rows: Any = redis.xrange(ALERTS_STREAM_KEY)
    return [(fields["e"], int(fields["s"])) for _sid, fields in rows]


def _group_done(redis: Redis, stream: str, group: str) -> bool:
    """No entry after the group's last one handed out, none pending."""
    try:
        groups: Any = redis.xinfo_groups(stream)
    except ResponseError:
        return True  # no stream: nothing written yet
    info = next((g for g in groups if g["name"] == group), None)
    if info is None:
        return not redis.xlen(stream)
    last = info["last-delivered-id"]
    after: Any = redis.xrange(stream, last, "+", count=2)
    return int(info["pending"]) == 0 and all(sid == last for sid, _ in after)


def settled(redis: Redis) -> bool:
    """Every history record looked at, every alert delivered (or given up), each
    acknowledged."""
    return _group_done(redis, HISTORY_ALL_KEY, ALERT_RULES_GROUP) and _group_done(
        redis, ALERTS_STREAM_KEY, ALERT_DELIVERY_GROUP
    )
