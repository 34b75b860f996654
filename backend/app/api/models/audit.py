"""What the audit route answers: a schedule's changes, newest first."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.api.models.common import Timestamp
from app.schedules import AuditAction, AuditSource


class FieldChangePublic(BaseModel):
    """One field that changed, as the schedule's definition spells it."""

    field: str = Field(
        description="Dotted for nested fields (`policy.max_retries`, `kwargs.supplier`).",
        examples=["hour"],
    )
    old: Any = Field(description="Before; null when it was not set (its default).")
    new: Any = Field(description="After; null when it is no longer set.")


class AuditEventPublic(BaseModel):
    """One change of a schedule: who, what, when and where it came from."""

    id: str = Field(
        description="The record's stream id (the cursor).", examples=["1767225600123-0"]
    )
    at: Timestamp = Field(description="When it was applied, ISO-8601 UTC.")
    schedule: str
    action: AuditAction
    actor: str = Field(
        description="Who: `client:<address>` (API), `cli:<user>@<host>`, `file` "
        "(schedules.json), `redbeat` (an edit made with RedBeat's own API, noticed by Beat).",
        examples=["client:127.0.0.1"],
    )
    source: AuditSource = Field(description="Where the change came in.")
    changes: list[FieldChangePublic] = Field(
        description="The fields that differ (for `created`, those set; for `deleted`, the "
        "last definition)."
    )
    summary: str = Field(
        description="The line Beat logs for it.",
        examples=["schedule 테스트_크롤링 changed: hour 14→15 (api) by client:127.0.0.1"],
    )
    etag: str | None = Field(description="The version written; null for `deleted`.")


class AuditPage(BaseModel):
    """One page of changes, newest first: pass `next_cursor` as `cursor` until it is null."""

    events: list[AuditEventPublic]
    next_cursor: str | None = Field(
        description="The stream id of the last change read; null when nothing older is left.",
        examples=["1767225600123-0"],
    )
