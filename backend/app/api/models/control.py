"""The global pause: what pausing and resuming take and answer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.api.models.common import Timestamp
from app.schedules import REASON_MAX_LENGTH


class PauseRequest(BaseModel):
    reason: str | None = Field(
        default=None,
        max_length=REASON_MAX_LENGTH,
        description="Why, for the other operators (shown by status).",
        examples=["supplier API maintenance until 10:00"],
    )


class PausePublic(BaseModel):
    """Whether dispatching is paused, since when, why and by whom."""

    paused: bool
    since: Timestamp | None
    reason: str | None
    by: str | None = Field(description="Who paused it: token name, client address or cli:user.")


class PauseChanged(BaseModel):
    message: str
    pause: PausePublic
