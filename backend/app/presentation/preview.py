"""A timing as the page's schedule form shows it before saving: in words, with its
timezone and its next fire times (POST /api/scheduler/preview).

The words are the list's (`timing_text`) and the times come from the schedule layer's
own math (ScheduleService.preview), so the preview says what the saved schedule will.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core.config import Language
from app.presentation.describe import timing_in_words
from app.presentation.times import next_run_fields
from app.schedules import ScheduleSpec


def timing_preview(
    spec: ScheduleSpec,
    fires: list[datetime],
    default_tz: str,
    now: datetime,
    language: Language = "en",
) -> dict[str, Any]:
    zone_name = spec.timezone or default_tz
    zone = ZoneInfo(zone_name)
    return {
        "kind": spec.timing_kind,
        "description": timing_in_words(spec, default_tz, language),
        "timezone": zone_name,
        "next_runs": [moment.astimezone(zone).isoformat() for moment in fires],
        "next_run_in": next_run_fields(fires[0] if fires else None, now, language)["next_run_in"],
    }
