"""The name index: every entry key in one sorted set with score 0 (NAMES_KEY).

Redis orders equal scores by member bytes, so `ZRANGEBYLEX` reads one page of entries
in key order (the order lists have always had) at the cost of that page. Every write
through the store adds or removes its keys here in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from redis.client import Pipeline

from app.core.constants import NAMES_KEY


def index_keys(pipe: Pipeline, keys: Iterable[str]) -> None:
    """Queue the adding of entry keys to the name index."""
    members = dict.fromkeys(keys, 0)
    if members:
        pipe.zadd(NAMES_KEY, members)


def unindex_keys(pipe: Pipeline, keys: Iterable[str]) -> None:
    """Queue the removal of entry keys from the name index."""
    members = list(keys)
    if members:
        pipe.zrem(NAMES_KEY, *members)
