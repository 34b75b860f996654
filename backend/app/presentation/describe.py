"""What a person or a program is shown about one entry and its runs: the API, the CLI
and the page all call `entry_view` (and the words for outcomes below), so they never
disagree."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from cron_descriptor import ExpressionDescriptor, Options

from app.core.config import Language
from app.core.redaction import redacted_webhook
from app.presentation.times import next_run_fields
from app.schedules import CRON_FIELDS, SECRET_POLICY_FIELDS, Entry, ScheduleSpec, next_fire

# cron-descriptor's Korean locale leaves day and month names in English.
KOREAN_NAMES = {
    "Monday": "월요일",
    "Tuesday": "화요일",
    "Wednesday": "수요일",
    "Thursday": "목요일",
    "Friday": "금요일",
    "Saturday": "토요일",
    "Sunday": "일요일",
    "January": "1월",
    "February": "2월",
    "March": "3월",
    "April": "4월",
    "May": "5월",
    "June": "6월",
    "July": "7월",
    "August": "8월",
    "September": "9월",
    "October": "10월",
    "November": "11월",
    "December": "12월",
}
TIMING_KEYS = (*CRON_FIELDS, "cron", "interval", "anchor", "at", "timezone")
UNITS: dict[Language, tuple[tuple[int, str], ...]] = {
    "en": ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")),
    "ko": ((86400, "일"), (3600, "시간"), (60, "분"), (1, "초")),
}

# What happened to a fire (app.schedules.runs.OUTCOMES), why a fire did not run
# (SkipReason, and a lost run's "lease expired"), and what sent it (Trigger).
OUTCOME_WORDS: dict[Language, dict[str, str]] = {
    "en": {},  # English shows the outcome as stored, as JSON and the API do
    "ko": {
        "sent": "대기 중",
        "running": "실행 중",
        "succeeded": "성공",
        "failed": "실패",
        "retried": "재시도됨",
        "timed_out": "시간 초과",
        "skipped": "건너뜀",
        "missed": "놓침",
        "lost": "유실",
    },
}
REASON_WORDS: dict[Language, dict[str, str]] = {
    "en": {
        "overlap": "overlap: the previous run had not ended",
        "min_gap": "min_gap: too soon after the last run ended",
        "lock_key": "lock_key: a schedule with the same lock_key was running",
        "paused": "paused",
        "catchup_window": "catchup_window: too late to run when Beat came back",
        "lease expired": "lease expired: its worker stopped answering",
    },
    "ko": {
        "overlap": "overlap: 이전 실행이 끝나지 않음",
        "min_gap": "min_gap: 마지막 실행이 끝난 지 얼마 되지 않음",
        "lock_key": "lock_key: 같은 lock_key를 쓰는 스케줄이 실행 중",
        "paused": "일시 중지됨",
        "catchup_window": "catchup_window: Beat가 돌아왔을 때 실행하기엔 너무 늦음",
        "lease expired": "lease 만료: 워커가 응답하지 않음",
    },
}
MISSED_SLOTS: dict[Language, str] = {"en": "{count} slots", "ko": "{count}회분"}
TRIGGER_WORDS: dict[Language, dict[str, str]] = {
    "en": {"beat": "Beat", "run_now": "run now"},
    "ko": {"beat": "Beat", "run_now": "수동 실행"},
}


def outcome_in_words(outcome: str | None, language: Language = "en") -> str:
    """ "timed_out" -> "시간 초과" in Korean; English and unknown outcomes as stored."""
    if outcome is None:
        return "-"
    return OUTCOME_WORDS[language].get(outcome) or outcome


def reason_in_words(
    reason: str | None, language: Language = "en", missed_count: int | None = None
) -> str:
    """Why a fire did not run, or why a run was lost; "" when no reason was recorded."""
    if not reason:
        return ""
    text = REASON_WORDS[language].get(reason, reason)
    if missed_count and missed_count > 1:
        text += f" ({MISSED_SLOTS[language].format(count=missed_count)})"
    return text


def trigger_in_words(trigger: str, language: Language = "en") -> str:
    return TRIGGER_WORDS[language].get(trigger, trigger)


@lru_cache(maxsize=4096)
def cron_in_words(expression: str, language: Language = "en") -> str:
    """Cached: describing loads a locale each time, and many entries share a timing."""
    options = Options()
    options.use_24hour_time_format = True
    options.locale_code = "ko_KR" if language == "ko" else "en_US"
    try:
        text: str = ExpressionDescriptor(expression, options).get_description()
        text = _both_days(expression, options, text, language)
    except Exception:  # a description must never break a listing; Celery parsed it already
        return f"cron {expression}"
    if language == "ko":
        for english, korean in KOREAN_NAMES.items():
            text = text.replace(english, korean)
    return text


# Celery fires when day of month AND day of week both match; the usual cron (and its
# words) says OR. When both are restricted, the words must say what Celery does.
BOTH_DAYS: dict[Language, str] = {
    "en": " (the day of month and the day of week must both match)",
    "ko": " (날짜와 요일이 모두 맞는 날에만)",
}


def _both_days(expression: str, options: Options, text: str, language: Language) -> str:
    fields = expression.split()
    if len(fields) != 5 or "*" in (fields[2], fields[4]):
        return text
    either = ExpressionDescriptor(expression, options).get_day_of_week_description()
    alone = " ".join([*fields[:2], "*", *fields[3:]])
    only = ExpressionDescriptor(alone, options).get_day_of_week_description()
    return text.replace(either, only, 1) + BOTH_DAYS[language]


def duration_in_words(seconds: float, language: Language = "en") -> str:
    """3600 -> "1 hour"; 5400 -> "90 minutes": the largest unit that divides exactly."""
    whole = int(seconds)
    for size, unit in UNITS[language]:
        if whole % size == 0:
            count = whole // size
            if language == "ko":
                return f"{count}{unit}"
            return f"{count} {unit}" + ("s" if count != 1 else "")
    return f"{seconds} seconds"


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def timing_in_words(spec: ScheduleSpec, default_tz: str, language: Language = "en") -> str:
    zone = ZoneInfo(spec.timezone or default_tz)
    kind = spec.timing_kind
    if kind in ("crontab", "cron"):
        fields = spec.cron_fields()
        return cron_in_words(" ".join(fields[f] for f in CRON_FIELDS), language)
    if kind == "once":
        assert spec.at is not None
        at = _local(_aware(spec.at, zone), zone)
        return f"{at}에 한 번" if language == "ko" else f"once, at {at}"
    assert spec.interval is not None
    every = duration_in_words(spec.interval, language)
    if spec.anchor is None:
        return f"{every}마다" if language == "ko" else f"every {every}"
    start = _local(_aware(spec.anchor, zone), zone)
    return f"{start}부터 {every}마다" if language == "ko" else f"every {every} from {start}"


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def timing_fields(spec: ScheduleSpec, default_tz: str) -> dict[str, Any]:
    """The timing as structured data: its kind, its own fields, and its timezone; `at`
    and `anchor` with the offset they were read with (see presentation.times)."""
    kind = spec.timing_kind
    zone = ZoneInfo(spec.timezone or default_tz)
    timing: dict[str, Any] = {"kind": kind, "timezone": spec.timezone or default_tz}
    if kind == "crontab":
        timing.update(spec.cron_fields())
    elif kind == "cron":
        timing["cron"] = spec.cron
        timing.update(spec.cron_fields())
    elif kind == "interval":
        timing["interval"] = spec.interval
        timing["anchor"] = _aware(spec.anchor, zone).isoformat() if spec.anchor else None
    else:
        timing["at"] = _aware(spec.at, zone).isoformat() if spec.at else None
    return timing


def given_timing(spec: ScheduleSpec) -> dict[str, Any]:
    document = spec.to_document()
    return {k: document[k] for k in TIMING_KEYS if k in document}


def entry_zone(entry: Entry, default_tz: str) -> ZoneInfo:
    return ZoneInfo((entry.spec.timezone if entry.spec else None) or default_tz)


def upcoming(entry: Entry, default_tz: str, count: int = 5) -> list[datetime]:
    """The next `count` fire times in the entry's timezone, starting from its due time.

    Empty for a paused or finished entry: it has no next fire until it is resumed.
    """
    zone = entry_zone(entry, default_tz)
    moment = entry.due_at
    times: list[datetime] = []
    while moment is not None and len(times) < count:
        times.append(moment.astimezone(zone))
        moment = next_fire(entry.schedule, moment)
    return times


def _shown_policy(spec: ScheduleSpec) -> dict[str, Any]:
    """The policy as every view shows it: a webhook URL as its scheme and host only.

    Reads need no token, and a Slack URL's path is what posts to the channel. The full
    URL is kept in Redis and given only by the export, which must restore it; an update
    merges into the stored spec, never into this view, so it keeps the URL it omits.
    """
    policy = spec.policy.model_dump(mode="json")
    for name in SECRET_POLICY_FIELDS:
        if isinstance(policy.get(name), str):
            policy[name] = redacted_webhook(policy[name])
    return policy


def _iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None


def entry_view(
    entry: Entry, default_tz: str, language: Language = "en", now: datetime | None = None
) -> dict[str, Any]:
    """Everything shown about one entry, as plain JSON; how far its next run is, from
    `now` (the clock's when not given)."""
    zone = entry_zone(entry, default_tz)
    spec = entry.spec
    return {
        "name": entry.name,
        "task": entry.task,
        # The timing fields as written (seed 004's response echoes "hour": 14 ...).
        **(given_timing(spec) if spec else {}),
        # Seed 004's list shows the schedule object's repr, e.g. "<crontab: 0 6 * * 1 ...>".
        "schedule": repr(entry.schedule),
        "timing": timing_fields(spec, default_tz) if spec else None,
        "timing_text": timing_in_words(spec, default_tz, language) if spec else None,
        "args": entry.args,
        "kwargs": entry.kwargs,
        "options": entry.options,
        "enabled": entry.enabled,
        "origin": entry.origin,
        "description": spec.description if spec else "",
        "category": spec.category if spec else None,
        "policy": _shown_policy(spec) if spec else None,
        # When Beat will send it, and when it last did (not RedBeat's save time).
        "next_run_at": _iso(entry.due_at, zone),
        **next_run_fields(entry.due_at, now or datetime.now(UTC), language),
        "last_run_at": _iso(entry.last_sent_at, zone),
        "total_run_count": entry.total_run_count,
        "version": entry.etag,
    }
