"""The schedules' timezone beside the host's, for startup banners and logs.

Schedules default to TIMEZONE (Asia/Seoul), whatever the host's clock says; an operator
on a UTC host who reads "03:00" as host time is 9 hours off. So ./run.sh's banner and
Beat's startup log say both zones, and the time now in each, when they differ.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo


def utc_offset(moment: datetime) -> str:
    """ "UTC+09:00": the offset of `moment`'s zone at that moment."""
    text = moment.strftime("%z") or "+0000"
    return f"UTC{text[:3]}:{text[3:5]}"


def zones_line(default_tz: str, now: datetime | None = None, host: tzinfo | None = None) -> str:
    """ "Asia/Seoul (UTC+09:00, now 14:10); this host is UTC (UTC+00:00, now 05:10)", or
    "Asia/Seoul (UTC+09:00), as this host" when both have the same offset now.

    `host`: the host's zone (default: the system's local time).
    """
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    schedules = instant.astimezone(ZoneInfo(default_tz))
    local = instant.astimezone(host) if host is not None else instant.astimezone()
    if schedules.utcoffset() == local.utcoffset():
        return f"{default_tz} ({utc_offset(schedules)}), as this host"
    host_name = getattr(local.tzinfo, "key", None) or local.tzname() or "local time"
    return (
        f"schedules in {default_tz} ({utc_offset(schedules)}, now {schedules:%H:%M}); "
        f"this host is {host_name} ({utc_offset(local)}, now {local:%H:%M})"
    )
