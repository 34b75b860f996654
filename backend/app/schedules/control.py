"""Global pause of dispatching: seed 000's scheduler stop and start.

A pause stops Beat from sending any scheduled fire; each fire that comes due meanwhile
is recorded as `skipped` with reason `paused`, and its slot counts as served, so a
resume sends no burst of the slots that passed. Each schedule's own `enabled` flag is
untouched, and run-now still sends: it is an operator's explicit request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# A reason is a note for other operators, not a document.
REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class PauseState:
    paused: bool
    since: datetime | None = None
    reason: str | None = None
    by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "paused": self.paused,
            "since": self.since.isoformat() if self.since else None,
            "reason": self.reason,
            "by": self.by,
        }

    def encode(self) -> str:
        return json.dumps(
            {
                "since": self.since.timestamp() if self.since else None,
                "reason": self.reason,
                "by": self.by,
            },
            ensure_ascii=False,
        )

    @classmethod
    def decode(cls, raw: str | None) -> PauseState:
        """The state a stored value describes; any value at all means paused, so even an
        unreadable one (written by hand) keeps dispatching stopped, as Beat sees it."""
        if raw is None:
            return cls(False)
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return cls(True, reason="(unreadable pause record)")
        since = data.get("since")
        return cls(
            True,
            since=datetime.fromtimestamp(since, UTC) if isinstance(since, int | float) else None,
            reason=_text(data.get("reason")),
            by=_text(data.get("by")),
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
