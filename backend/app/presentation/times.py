"""Times a person cannot misread: each with its timezone and how far it is from now.

A schedule created at 23:10 on a UTC host with "2 minutes from now" written in host
time ran 15 hours later, since schedules default to Asia/Seoul and nothing said so.
So every next run shown carries its offset, its zone and "in 15 h 2 min", and a time
written without an offset is said to have been read in the schedule's timezone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core.config import Language
from app.core.zones import utc_offset
from app.presentation.messages import message

UNITS: dict[Language, tuple[tuple[int, str], ...]] = {
    "en": ((86400, " d"), (3600, " h"), (60, " min"), (1, " s")),
    "ko": ((86400, "일"), (3600, "시간"), (60, "분"), (1, "초")),
}
# Closer than this is "now": a fire is sent within a second of its time.
NOW_SECONDS = 1.0


def span_in_words(seconds: float, language: Language = "en") -> str:
    """53880 -> "14 h 58 min": the two largest units, rounded down ("14시간 58분")."""
    left = int(abs(seconds))
    parts: list[str] = []
    for size, unit in UNITS[language]:
        if left >= size or (size == 1 and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
        elif parts:
            break  # "2 d 5 min" would hide the hours: stop at the first gap
        if len(parts) == 2:
            break
    return " ".join(parts)


def relative_in_words(seconds: float, language: Language = "en") -> str:
    """How far a time is from now: "in 14 h 58 min", "3 min ago", "now"."""
    if abs(seconds) < NOW_SECONDS:
        return message("time_now", language)
    key = "time_in" if seconds > 0 else "time_ago"
    return message(key, language, span=span_in_words(seconds, language))


def next_run_fields(
    due: datetime | None, now: datetime, language: Language = "en"
) -> dict[str, Any]:
    """`next_run_in_seconds` (negative when overdue) and `next_run_in`, in words."""
    if due is None:
        return {"next_run_in_seconds": None, "next_run_in": None}
    seconds = round((due - now).total_seconds(), 3)
    return {"next_run_in_seconds": seconds, "next_run_in": relative_in_words(seconds, language)}


def zone_label(moment: datetime) -> str:
    """ "Asia/Seoul, UTC+09:00": the zone's name and its offset at that moment."""
    name = getattr(moment.tzinfo, "key", None) or moment.tzname() or "UTC"
    return f"{name}, {utc_offset(moment)}"


def next_run_sentence(view: dict[str, Any], default_tz: str, language: Language = "en") -> str:
    """One sentence for a changed schedule: when it runs next, in which zone, how far
    away; and, for an `at` or `anchor` written without an offset, the zone it was read in."""
    zone = str((view.get("timing") or {}).get("timezone") or default_tz)
    if view.get("next_run_at") is None:
        sentence = message("time_no_next_run", language)
    else:
        due = datetime.fromisoformat(view["next_run_at"]).astimezone(ZoneInfo(zone))
        sentence = message(
            "time_next_run",
            language,
            when=due.strftime("%Y-%m-%d %H:%M:%S"),
            zone=zone_label(due),
            relative=view.get("next_run_in") or "",
        )
    naive = [k for k in ("at", "anchor") if _naive(view.get(k))]
    if naive:
        sentence += " " + message("time_read_in_zone", language, field=naive[0], zone=zone)
    return sentence


def _naive(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is None
    except ValueError:
        return False
