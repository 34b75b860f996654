"""The audit trail as stored: one capped stream of changes per schedule name, and one
across schedules that Beat reads as a feed (keys in app/core/constants.py).

A schedule's stream outlives the schedule by AUDIT_DELETED_KEEP_DAYS (its delete sets
the expiry, a later change of the same name lifts it), so "who deleted it" can still
be answered; while the schedule exists its trail is kept, however old.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from redis.exceptions import RedisError

from app.core.config import get_settings
from app.core.constants import AUDIT_ALL_KEY, AUDIT_ALL_MAX, AUDIT_KEY_PREFIX
from app.schedules.audit import Change
from app.schedules.store._base import StoreBase, wake_beat

log = logging.getLogger("app.schedules.store")


class AuditOps(StoreBase):
    @cached_property
    def audit_limits(self) -> tuple[int, int]:
        """(changes kept per schedule, seconds a deleted schedule's trail is kept)."""
        s = get_settings()
        return s.audit_per_schedule, int(s.audit_deleted_keep_days * 86400)

    def record_changes(self, changes: Sequence[Change]) -> bool:
        """Append changes to their schedules' trails and to the feed, in one round trip.

        Called after the write it describes succeeded, so it never raises: a change
        that happened must not be reported as failed because its audit could not be
        written. Returns False (and logs why) when Redis refused.
        """
        if not changes:
            return True
        cap, keep = self.audit_limits
        try:
            with self.redis.pipeline(transaction=True) as pipe:
                for change in changes:
                    key = AUDIT_KEY_PREFIX + change.name
                    fields: Any = {"c": change.to_json()}
                    pipe.xadd(key, fields, maxlen=cap, approximate=False)
                    pipe.xadd(AUDIT_ALL_KEY, fields, maxlen=AUDIT_ALL_MAX, approximate=True)
                    if change.action == "deleted":
                        pipe.expire(key, keep)
                    else:
                        pipe.persist(key)
                # The write itself woke Beat already, maybe before this record was in
                # the feed: wake it again, so its change line follows at once.
                wake_beat(pipe)
                pipe.execute()
        except RedisError:
            log.warning(
                "audit trail: could not record %d change(s) (%s); the changes themselves "
                "were applied",
                len(changes),
                ", ".join(sorted({c.name for c in changes})),
                exc_info=True,
            )
            return False
        return True

    def audit(self, name: str, limit: int, before: str | None = None) -> list[Change]:
        """`name`'s changes, newest first, older than stream id `before`."""
        top = f"({before}" if before else "+"
        if before in ("0", "0-0"):
            return []
        rows = self._audit_db.xrevrange(AUDIT_KEY_PREFIX + name, top, "-", count=limit)
        return [Change.from_json(f["c"], sid) for sid, f in rows]

    def last_changes(self, names: Sequence[str]) -> list[Change | None]:
        """Each name's newest change (None if it has none), in one round trip."""
        if not names:
            return []
        with self._audit_db.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.xrevrange(AUDIT_KEY_PREFIX + name, "+", "-", count=1)
            rows = pipe.execute()
        return [Change.from_json(r[0][1]["c"], r[0][0]) if r else None for r in rows]

    def audit_tail(self) -> str:
        """The feed's last id ("0-0" when empty): where a new leader starts reading."""
        rows = self._audit_db.xrevrange(AUDIT_ALL_KEY, "+", "-", count=1)
        return str(rows[0][0]) if rows else "0-0"

    @property
    def _audit_db(self) -> Any:
        """The client, typed loosely: it decodes responses, which its stubs cannot say."""
        return self.redis


def decode_feed(rows: list[Any]) -> list[Change]:
    """Feed entries as XRANGE returns them; an unreadable one is skipped, not fatal."""
    changes = []
    for sid, fields in rows:
        try:
            changes.append(Change.from_json(fields["c"], sid))
        except (KeyError, ValueError, TypeError):
            log.warning("audit feed: entry %s is unreadable; skipped", sid)
    return changes
