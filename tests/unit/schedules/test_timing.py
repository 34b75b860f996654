"""app/schedules/timing.py: first due time, next fire and the time after a fire.

Every row gives explicit datetimes; nothing here reads the wall clock.
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import BaseSchedule

from app.core.celery_app import celery_app
from app.schedules.spec import parse_spec
from app.schedules.timing import (
    AnchoredInterval,
    OneOff,
    ZonedCrontab,
    build_schedule,
    due_for_beat,
    first_due,
    next_fire,
    serve_fire,
    upcoming_fires,
)

SEOUL = ZoneInfo("Asia/Seoul")
NY = ZoneInfo("America/New_York")
TASK = "app.tasks.scheduler.crawl_all_complexes"

# Seed 004's 주간업데이트: Mondays at 06:00.
WEEKLY = {"day_of_week": "1", "hour": 6, "minute": 0}
EVERY_TWO_HOURS = {"cron": "0 */2 * * *"}
EVERY_30S = {"interval": 30}
# Seed 003: every 2 days at 01:00, as `schedule.every(2).days.at("01:00")`.
TWO_DAYS_AT_ONE = {"interval": 172800, "anchor": "2024-01-01T01:00"}
ANCHOR_IN_FUTURE = {"interval": 172800, "anchor": "2030-01-01T01:00"}
ONCE = {"at": "2026-03-05T09:00"}
# A per-entry timezone with DST (starts 2026-03-08 in New York); the app default is Seoul.
NY_NINE = {"hour": 9, "minute": 0, "timezone": "America/New_York"}


def kst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SEOUL)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def sched(timing: dict[str, Any], default_tz: str = "Asia/Seoul") -> BaseSchedule:
    return build_schedule(parse_spec({"task": TASK, **timing}), default_tz, celery_app)


@pytest.mark.parametrize(
    ("timing", "kind"),
    [
        (WEEKLY, ZonedCrontab),
        (EVERY_TWO_HOURS, ZonedCrontab),
        (TWO_DAYS_AT_ONE, AnchoredInterval),
        (ONCE, OneOff),
    ],
)
def test_build_schedule_kind(timing: dict[str, Any], kind: type) -> None:
    assert isinstance(sched(timing), kind)


@pytest.mark.parametrize(
    ("timing", "after", "expected"),
    [
        pytest.param(WEEKLY, kst(2026, 3, 4, 12, 0), kst(2026, 3, 9, 6, 0), id="weekly_from_wed"),
        pytest.param(
            WEEKLY, kst(2026, 3, 9, 5, 59, 59), kst(2026, 3, 9, 6, 0), id="weekly_just_before"
        ),
        pytest.param(
            WEEKLY, kst(2026, 3, 9, 6, 0), kst(2026, 3, 16, 6, 0), id="weekly_strictly_after"
        ),
        # 2026-03-08 21:00 UTC is Monday 06:00 in Seoul: the result is read in Seoul time.
        pytest.param(WEEKLY, utc(2026, 3, 8, 20, 59), kst(2026, 3, 9, 6, 0), id="weekly_utc_input"),
        pytest.param(EVERY_TWO_HOURS, kst(2026, 3, 4, 13, 5), kst(2026, 3, 4, 14, 0), id="2h"),
        pytest.param(
            EVERY_TWO_HOURS, kst(2026, 3, 4, 14, 0), kst(2026, 3, 4, 16, 0), id="2h_on_slot"
        ),
        pytest.param(
            EVERY_TWO_HOURS, kst(2026, 3, 4, 23, 30), kst(2026, 3, 5, 0, 0), id="2h_midnight"
        ),
        pytest.param(EVERY_30S, kst(2026, 3, 4, 12, 0), kst(2026, 3, 4, 12, 0, 30), id="interval"),
        pytest.param(
            TWO_DAYS_AT_ONE, kst(2023, 12, 1, 0, 0), kst(2024, 1, 1, 1, 0), id="anchor_ahead"
        ),
        pytest.param(
            TWO_DAYS_AT_ONE, kst(2024, 1, 1, 1, 0), kst(2024, 1, 3, 1, 0), id="anchor_on_slot"
        ),
        pytest.param(
            TWO_DAYS_AT_ONE, kst(2024, 1, 2, 12, 0), kst(2024, 1, 3, 1, 0), id="anchor_day2"
        ),
        pytest.param(
            TWO_DAYS_AT_ONE, utc(2024, 1, 2, 15, 59), kst(2024, 1, 3, 1, 0), id="anchor_utc"
        ),
        # 794 days after the anchor: an even count, so the slot is that day's 01:00.
        pytest.param(
            TWO_DAYS_AT_ONE, kst(2026, 3, 4, 12, 0), kst(2026, 3, 5, 1, 0), id="anchor_2026"
        ),
        pytest.param(ONCE, kst(2026, 3, 4, 12, 0), kst(2026, 3, 5, 9, 0), id="once_before"),
        pytest.param(ONCE, kst(2026, 3, 5, 9, 0), None, id="once_at"),
        pytest.param(ONCE, kst(2026, 3, 6, 0, 0), None, id="once_after"),
        pytest.param(NY_NINE, utc(2026, 3, 6, 12, 0), utc(2026, 3, 6, 14, 0), id="ny_est"),
        pytest.param(NY_NINE, utc(2026, 3, 7, 15, 0), utc(2026, 3, 8, 13, 0), id="ny_dst_starts"),
        pytest.param(NY_NINE, utc(2026, 3, 8, 13, 30), utc(2026, 3, 9, 13, 0), id="ny_edt"),
    ],
)
def test_next_fire(timing: dict[str, Any], after: datetime, expected: datetime | None) -> None:
    assert next_fire(sched(timing), after) == expected


@pytest.mark.parametrize(
    ("timing", "last_run_at", "now", "expected"),
    [
        pytest.param(WEEKLY, None, kst(2026, 3, 4, 12, 0), kst(2026, 3, 9, 6, 0), id="weekly_new"),
        # An edit never catches up a slot that passed before it: counted from now.
        pytest.param(
            WEEKLY,
            kst(2026, 2, 2, 6, 0),
            kst(2026, 3, 4, 12, 0),
            kst(2026, 3, 9, 6, 0),
            id="weekly_old_run",
        ),
        pytest.param(
            EVERY_TWO_HOURS, None, kst(2026, 3, 4, 13, 5), kst(2026, 3, 4, 14, 0), id="2h_new"
        ),
        pytest.param(
            EVERY_30S, None, kst(2026, 3, 4, 12, 0), kst(2026, 3, 4, 12, 0, 30), id="iv_new"
        ),
        # A plain interval keeps its rhythm from the last run while that lies ahead...
        pytest.param(
            EVERY_30S,
            kst(2026, 3, 4, 11, 59, 50),
            kst(2026, 3, 4, 12, 0),
            kst(2026, 3, 4, 12, 0, 20),
            id="iv_rhythm",
        ),
        # ... and when its slots have passed (paused, then resumed) takes the next one
        # after now on that rhythm, never a catch-up run at once.
        pytest.param(
            EVERY_30S,
            kst(2026, 3, 4, 11, 0, 10),
            kst(2026, 3, 4, 12, 0),
            kst(2026, 3, 4, 12, 0, 10),
            id="iv_missed_slots",
        ),
        pytest.param(
            EVERY_30S,
            kst(2026, 3, 4, 11, 0),
            kst(2026, 3, 4, 12, 0),
            kst(2026, 3, 4, 12, 0, 30),
            id="iv_now_on_a_slot",
        ),
        pytest.param(
            {"interval": 600},
            kst(2026, 3, 4, 12, 3),
            kst(2026, 3, 4, 12, 41),
            kst(2026, 3, 4, 12, 43),
            id="iv_10min_resumed",
        ),
        pytest.param(
            TWO_DAYS_AT_ONE, None, kst(2024, 1, 2, 12, 0), kst(2024, 1, 3, 1, 0), id="anchored"
        ),
        pytest.param(
            TWO_DAYS_AT_ONE,
            kst(2024, 1, 1, 1, 0),
            kst(2024, 1, 1, 3, 0),
            kst(2024, 1, 3, 1, 0),
            id="anchored_after_run",
        ),
        pytest.param(
            ANCHOR_IN_FUTURE,
            None,
            kst(2026, 3, 4, 12, 0),
            kst(2030, 1, 1, 1, 0),
            id="anchor_future",
        ),
        pytest.param(ONCE, None, kst(2026, 3, 4, 12, 0), kst(2026, 3, 5, 9, 0), id="once_before"),
        # A one-off that never ran stays due at its time, even when that has passed.
        pytest.param(ONCE, None, kst(2026, 3, 6, 12, 0), kst(2026, 3, 5, 9, 0), id="once_missed"),
        pytest.param(ONCE, kst(2026, 3, 5, 9, 0), kst(2026, 3, 6, 12, 0), None, id="once_ran_at"),
        pytest.param(
            ONCE, kst(2026, 3, 5, 9, 0, 1), kst(2026, 3, 6, 12, 0), None, id="once_ran_after"
        ),
        pytest.param(ONCE, utc(2026, 3, 5, 0, 0), kst(2026, 3, 6, 12, 0), None, id="once_ran_utc"),
        # A manual run before the time does not finish it.
        pytest.param(
            ONCE,
            kst(2026, 3, 1, 0, 0),
            kst(2026, 3, 2, 0, 0),
            kst(2026, 3, 5, 9, 0),
            id="once_ran_early",
        ),
        pytest.param(NY_NINE, None, utc(2026, 3, 7, 15, 0), utc(2026, 3, 8, 13, 0), id="ny_dst"),
    ],
)
def test_first_due(
    timing: dict[str, Any], last_run_at: datetime | None, now: datetime, expected: datetime | None
) -> None:
    assert first_due(sched(timing), last_run_at, now) == expected


@pytest.mark.parametrize(
    ("timing", "due_at", "now", "expected"),
    [
        pytest.param(
            WEEKLY,
            kst(2026, 3, 9, 6, 0),
            kst(2026, 3, 9, 6, 0, 2),
            kst(2026, 3, 16, 6, 0),
            id="weekly",
        ),
        pytest.param(
            EVERY_TWO_HOURS,
            kst(2026, 3, 4, 14, 0),
            kst(2026, 3, 4, 14, 0, 1),
            kst(2026, 3, 4, 16, 0),
            id="2h",
        ),
        # Counted from the slot, so Beat's lateness does not drift an interval.
        pytest.param(
            EVERY_30S,
            kst(2026, 3, 4, 12, 0),
            kst(2026, 3, 4, 12, 0, 0, 800000),
            kst(2026, 3, 4, 12, 0, 30),
            id="iv_no_drift",
        ),
        pytest.param(
            TWO_DAYS_AT_ONE,
            kst(2024, 1, 3, 1, 0),
            kst(2024, 1, 3, 1, 0, 1),
            kst(2024, 1, 5, 1, 0),
            id="anchored",
        ),
        pytest.param(ONCE, kst(2026, 3, 5, 9, 0), kst(2026, 3, 5, 9, 0, 1), None, id="once_done"),
        pytest.param(
            NY_NINE,
            utc(2026, 3, 7, 14, 0),
            utc(2026, 3, 7, 14, 0, 1),
            utc(2026, 3, 8, 13, 0),
            id="ny_dst",
        ),
        # A backlog of missed slots collapses into the one run just sent.
        pytest.param(
            WEEKLY,
            kst(2026, 1, 5, 6, 0),
            kst(2026, 3, 4, 12, 0),
            kst(2026, 3, 9, 6, 0),
            id="weekly_backlog",
        ),
        pytest.param(
            EVERY_TWO_HOURS,
            kst(2026, 3, 1, 0, 0),
            kst(2026, 3, 4, 13, 5),
            kst(2026, 3, 4, 14, 0),
            id="2h_backlog",
        ),
        pytest.param(
            EVERY_30S,
            kst(2026, 3, 1, 0, 0),
            kst(2026, 3, 4, 13, 5),
            kst(2026, 3, 4, 13, 5, 30),
            id="iv_backlog",
        ),
        pytest.param(
            TWO_DAYS_AT_ONE,
            kst(2024, 1, 1, 1, 0),
            kst(2024, 1, 10, 13, 5),
            kst(2024, 1, 11, 1, 0),
            id="anchored_backlog",
        ),
    ],
)
def test_serve_fire_next_due(
    timing: dict[str, Any], due_at: datetime, now: datetime, expected: datetime | None
) -> None:
    _served, following = serve_fire(sched(timing), due_at, now)
    assert following == expected
    assert following is None or following > now


@pytest.mark.parametrize(
    ("timing", "default_tz", "expected"),
    [
        ({"hour": 9, "minute": 0}, "Asia/Seoul", utc(2026, 3, 5, 0, 0)),
        ({"hour": 9, "minute": 0}, "UTC", utc(2026, 3, 5, 9, 0)),
        # The entry's own timezone beats the default.
        ({"hour": 9, "minute": 0, "timezone": "UTC"}, "Asia/Seoul", utc(2026, 3, 5, 9, 0)),
        ({"at": "2026-03-05T09:00"}, "Asia/Seoul", utc(2026, 3, 5, 0, 0)),
        ({"at": "2026-03-05T09:00", "timezone": "UTC"}, "Asia/Seoul", utc(2026, 3, 5, 9, 0)),
        # An explicit offset in the datetime wins over both.
        ({"at": "2026-03-05T09:00+00:00"}, "Asia/Seoul", utc(2026, 3, 5, 9, 0)),
        (
            {"interval": 86400, "anchor": "2026-01-01T09:00", "timezone": "UTC"},
            "Asia/Seoul",
            utc(2026, 3, 5, 9, 0),
        ),
    ],
)
def test_timezone_of_a_schedule(
    timing: dict[str, Any], default_tz: str, expected: datetime
) -> None:
    assert next_fire(sched(timing, default_tz), utc(2026, 3, 4, 23, 0)) == expected


# Every 2 days at 01:00 New York time, anchored before DST starts (2026-03-08).
NY_TWO_DAYS_AT_ONE = {
    "interval": 172800,
    "anchor": "2026-03-01T01:00",
    "timezone": "America/New_York",
}


def test_anchored_interval_across_dst_is_strictly_after() -> None:
    slot = datetime(2026, 3, 9, 1, 0, tzinfo=NY)  # 05:00 UTC, the fifth slot, now in EDT
    assert next_fire(sched(NY_TWO_DAYS_AT_ONE), slot.astimezone(UTC)) == datetime(
        2026, 3, 11, 1, 0, tzinfo=NY
    )


def test_anchored_interval_served_across_dst_moves_on() -> None:
    slot = datetime(2026, 3, 9, 1, 0, tzinfo=NY).astimezone(UTC)
    _served, following = serve_fire(sched(NY_TWO_DAYS_AT_ONE), slot, slot + timedelta(seconds=1))
    assert following is not None and following > slot + timedelta(seconds=1)


def test_anchored_interval_before_dst_keeps_wall_clock() -> None:
    # The slot before the change is right; this pins the expected wall-clock grid.
    after = datetime(2026, 3, 7, 1, 0, tzinfo=NY).astimezone(UTC)
    assert next_fire(sched(NY_TWO_DAYS_AT_ONE), after) == datetime(2026, 3, 9, 1, 0, tzinfo=NY)


# A daily crontab across New York's DST changes (2026-03-08 02:00 EST -> 03:00 EDT,
# 2026-11-01 02:00 EDT -> 01:00 EST), and Seoul (no DST) on the same nights.
NY_ONE_THIRTY = {"hour": 1, "minute": 30, "timezone": "America/New_York"}
NY_TWO_THIRTY = {"hour": 2, "minute": 30, "timezone": "America/New_York"}
SEOUL_ONE_THIRTY = {"hour": 1, "minute": 30, "timezone": "Asia/Seoul"}


@pytest.mark.parametrize(
    ("timing", "after", "expected"),
    [
        # Fall back: 01:00-02:00 happens twice, first in EDT (05:xx UTC), then in EST.
        pytest.param(
            NY_ONE_THIRTY, utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 5, 30), id="fall_first_0130"
        ),
        # In the second 01:00 hour, the second 01:30 (EST, fold=1) is still ahead.
        pytest.param(
            NY_ONE_THIRTY, utc(2026, 11, 1, 6, 0), utc(2026, 11, 1, 6, 30), id="fall_second_0130"
        ),
        # Once the first 01:30 fired, the next run is the next day's: no second fire.
        pytest.param(
            NY_ONE_THIRTY, utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30), id="fall_after_first"
        ),
        pytest.param(
            NY_ONE_THIRTY, utc(2026, 11, 1, 6, 30), utc(2026, 11, 2, 6, 30), id="fall_after_second"
        ),
        # Spring forward: 01:30 is still EST; 02:30 does not exist and runs at 03:30 EDT.
        pytest.param(
            NY_ONE_THIRTY, utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 6, 30), id="spring_0130_est"
        ),
        pytest.param(
            NY_ONE_THIRTY, utc(2026, 3, 8, 6, 30), utc(2026, 3, 9, 5, 30), id="spring_next_edt"
        ),
        pytest.param(
            NY_TWO_THIRTY, utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 7, 30), id="spring_gap_0230"
        ),
        # Seoul has no DST: 01:30 KST is 16:30 UTC the day before, on both nights.
        pytest.param(
            SEOUL_ONE_THIRTY, utc(2026, 11, 1, 6, 0), utc(2026, 11, 1, 16, 30), id="seoul_nov"
        ),
        pytest.param(
            SEOUL_ONE_THIRTY, utc(2026, 3, 7, 16, 0), utc(2026, 3, 7, 16, 30), id="seoul_mar"
        ),
        pytest.param(
            SEOUL_ONE_THIRTY, utc(2026, 3, 7, 16, 30), utc(2026, 3, 8, 16, 30), id="seoul_on_slot"
        ),
    ],
)
def test_crontab_across_dst_changes(
    timing: dict[str, Any], after: datetime, expected: datetime
) -> None:
    following = next_fire(sched(timing), after)
    # In UTC: Python never finds a time in a fold or gap equal to one in another zone.
    assert following is not None
    assert following.astimezone(UTC) == expected


# RedBeat's own save indexes a 16:00 crontab at 15:59:59 with a last run of "now".
DAILY_FOUR_PM = {"hour": 16, "minute": 0}


@pytest.mark.parametrize(
    ("timing", "score_at", "last_run_at", "expected"),
    [
        pytest.param(
            DAILY_FOUR_PM,
            kst(2026, 3, 4, 15, 59, 59),
            kst(2026, 3, 4, 15, 30, 0, 250000),
            kst(2026, 3, 4, 16, 0),
            id="stock_save_crontab",
        ),
        pytest.param(
            EVERY_30S,
            kst(2026, 3, 4, 15, 30, 29),
            kst(2026, 3, 4, 15, 30, 0, 250000),
            kst(2026, 3, 4, 15, 30, 30, 250000),
            id="stock_save_interval",
        ),
        # Our own writes index the slot itself, or later: the score stands.
        pytest.param(
            DAILY_FOUR_PM,
            kst(2026, 3, 5, 16, 0),
            kst(2026, 3, 4, 16, 0, 0, 3000),
            kst(2026, 3, 5, 16, 0),
            id="crontab_after_a_run",
        ),
        pytest.param(
            DAILY_FOUR_PM,
            kst(2026, 3, 9, 16, 0),
            kst(2026, 3, 4, 16, 0),
            kst(2026, 3, 9, 16, 0),
            id="crontab_edited_later",
        ),
        # Overdue (Beat was down): the score stands, Beat sends at once.
        pytest.param(
            DAILY_FOUR_PM,
            kst(2026, 3, 5, 16, 0),
            kst(2026, 3, 1, 16, 0),
            kst(2026, 3, 5, 16, 0),
            id="crontab_overdue",
        ),
        pytest.param(EVERY_30S, kst(2026, 3, 4, 12, 0), None, kst(2026, 3, 4, 12, 0), id="new"),
        pytest.param(EVERY_30S, None, kst(2026, 3, 4, 12, 0), None, id="paused"),
        pytest.param(ONCE, kst(2026, 3, 5, 9, 0), kst(2026, 3, 5, 9, 0), None, id="once_done"),
    ],
)
def test_due_for_beat(
    timing: dict[str, Any],
    score_at: datetime | None,
    last_run_at: datetime | None,
    expected: datetime | None,
) -> None:
    assert due_for_beat(sched(timing), score_at, last_run_at) == expected


@pytest.mark.parametrize(
    "timing",
    [
        DAILY_FOUR_PM,
        WEEKLY,
        EVERY_TWO_HOURS,
        NY_ONE_THIRTY,
        {"cron": "*/15 9-17 1,15 * 1-5"},
        {"cron": "30 2 29 2 *", "timezone": "UTC"},
    ],
    ids=str,
)
def test_due_for_beat_agrees_with_crontab_math(timing: dict[str, Any]) -> None:
    """Its shortcut (a score on a slot stands) gives what next_fire gives, every minute."""
    crontab_sched = sched(timing)
    start = utc(2026, 10, 31, 12, 0)
    for minutes in range(0, 3 * 24 * 60, 7):
        last_run_at = start + timedelta(minutes=minutes, seconds=0.5)
        slot = next_fire(crontab_sched, last_run_at)
        assert slot is not None
        for score_at in (slot, slot - timedelta(seconds=1), slot - timedelta(minutes=1)):
            assert due_for_beat(crontab_sched, score_at, last_run_at) == max(score_at, slot)


@pytest.mark.parametrize(
    ("timing", "expected"),
    [
        # The first is the store's first_due for a new entry; each next is next_fire's.
        (EVERY_30S, [utc(2026, 3, 4, 1, 0, 30), utc(2026, 3, 4, 1, 1), utc(2026, 3, 4, 1, 1, 30)]),
        (EVERY_TWO_HOURS, [utc(2026, 3, 4, 3, 0), utc(2026, 3, 4, 5, 0), utc(2026, 3, 4, 7, 0)]),
        (ANCHOR_IN_FUTURE, [utc(2029, 12, 31, 16, 0), utc(2030, 1, 2, 16, 0), utc(2030, 1, 4, 16)]),
        (ONCE, [utc(2026, 3, 5, 0, 0)]),  # nothing follows a one-off
    ],
    ids=str,
)
def test_upcoming_fires_of_a_new_entry(timing: dict[str, Any], expected: list[datetime]) -> None:
    assert upcoming_fires(sched(timing), utc(2026, 3, 4, 1, 0), 3) == expected
