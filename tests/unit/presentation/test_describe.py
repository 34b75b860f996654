"""app/presentation/describe.py: what is shown about an entry written with RedBeat's own
`RedBeatSchedulerEntry(...).save()` (seed 004's third method), read through the store.

RedBeat's save writes a meta of `{"last_run_at": <now>}` and an index score truncated
to whole seconds, computed a moment after that "now": 15:59:59 for a 16:00 crontab.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fakeredis
import pytest
from celery.schedules import BaseSchedule, crontab, schedule
from redbeat import RedBeatSchedulerEntry

from app.beat.dispatch import plan_step
from app.core.celery_app import celery_app
from app.core.config import Language
from app.core.constants import FIELD_META, REDBEAT_SCHEDULE_KEY
from app.presentation.describe import cron_in_words, entry_view, upcoming
from app.schedules import entry as codec
from app.schedules.entry import Entry
from app.schedules.keys import entry_key
from app.schedules.store import ScheduleStore

SEOUL = ZoneInfo("Asia/Seoul")
TASK = "app.tasks.scheduler.crawl_all_complexes"
SAVED_AT = datetime(2026, 3, 4, 15, 30, 0, 250000, tzinfo=SEOUL)


def stepping_clock(start: datetime) -> Callable[[], datetime]:
    """A clock 1 ms later on every call: RedBeat's save reads "now" more than once."""
    moments = iter(start + timedelta(milliseconds=i) for i in range(1000))
    return lambda: next(moments)


@pytest.fixture
def stock_save(
    redis: fakeredis.FakeRedis, store: ScheduleStore, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, BaseSchedule], Entry]:
    """Save with RedBeat's own API into the test's Redis, then read through the store."""
    monkeypatch.setattr(celery_app, "redbeat_redis", redis, raising=False)

    def save(name: str, sched: BaseSchedule) -> Entry:
        RedBeatSchedulerEntry(name, TASK, sched, app=celery_app).save()
        entry = store.get(name)
        assert entry is not None and entry.origin == "redbeat"
        return entry

    return save


def test_stock_saved_crontab_shows_the_slot_and_no_last_run(
    stock_save: Callable[[str, BaseSchedule], Entry], redis: fakeredis.FakeRedis
) -> None:
    entry = stock_save("임시_테스트", crontab(minute=0, hour=16, nowfun=stepping_clock(SAVED_AT)))
    # The cause, as RedBeat wrote it: a score one second early and a save-time last run.
    score = redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key("임시_테스트"))
    assert score == datetime(2026, 3, 4, 15, 59, 59, tzinfo=SEOUL).timestamp()
    assert (entry.last_run_at, entry.total_run_count) == (SAVED_AT, 0)

    view = entry_view(entry, "Asia/Seoul")
    assert view["next_run_at"] == "2026-03-04T16:00:00+09:00"
    assert view["last_run_at"] is None
    assert view["total_run_count"] == 0
    assert [t.isoformat() for t in upcoming(entry, "Asia/Seoul")] == [
        f"2026-03-0{day}T16:00:00+09:00" for day in range(4, 9)
    ]


def test_stock_saved_interval_counts_from_the_save(
    stock_save: Callable[[str, BaseSchedule], Entry],
) -> None:
    entry = stock_save("매분", schedule(timedelta(seconds=60), nowfun=stepping_clock(SAVED_AT)))
    assert entry.last_run_at is not None and entry.last_run_at.microsecond != 0
    first = entry.last_run_at + timedelta(seconds=60)
    view = entry_view(entry, "Asia/Seoul")
    assert view["next_run_at"] == first.isoformat()
    assert view["last_run_at"] is None
    assert upcoming(entry, "Asia/Seoul") == [first + timedelta(minutes=i) for i in range(5)]


def test_a_real_run_after_a_stock_save_is_shown(
    stock_save: Callable[[str, BaseSchedule], Entry],
    redis: fakeredis.FakeRedis,
    store: ScheduleStore,
) -> None:
    stock_save("임시_테스트", crontab(minute=0, hour=16, nowfun=stepping_clock(SAVED_AT)))
    sent = datetime(2026, 3, 4, 7, 0, 0, 3000, tzinfo=UTC)
    redis.hset(entry_key("임시_테스트"), FIELD_META, codec.encode_meta(sent, 1))
    following = datetime(2026, 3, 5, 16, 0, tzinfo=SEOUL)  # as Beat's commit writes it
    redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key("임시_테스트"): following.timestamp()})
    entry = store.get("임시_테스트")
    assert entry is not None
    view = entry_view(entry, "Asia/Seoul")
    assert view["last_run_at"] == "2026-03-04T16:00:00.003000+09:00"
    assert view["next_run_at"] == "2026-03-05T16:00:00+09:00"
    assert view["total_run_count"] == 1


@pytest.mark.parametrize(
    "sched",
    [
        pytest.param(crontab(minute=0, hour=16, nowfun=stepping_clock(SAVED_AT)), id="crontab"),
        pytest.param(schedule(timedelta(seconds=60), nowfun=stepping_clock(SAVED_AT)), id="60s"),
    ],
)
def test_shown_next_run_is_when_beat_sends(
    stock_save: Callable[[str, BaseSchedule], Entry], sched: BaseSchedule
) -> None:
    entry = stock_save("임시_테스트", sched)
    shown = entry.due_at
    assert entry.next_run_at is not None and shown is not None
    # At the (early) score Beat only moves the entry to the shown time...
    early = plan_step(entry.key, entry.next_run_at.timestamp(), entry, entry.next_run_at)
    assert early.entry is None and early.score == shown.timestamp()
    # ... and at the shown time it sends.
    on_time = plan_step(entry.key, shown.timestamp(), entry, shown)
    assert on_time.entry is entry


@pytest.mark.parametrize(
    ("expression", "language", "words"),
    [
        (
            "0 0 29 2 1",
            "en",
            "At 00:00, on day 29 of the month, only on Monday, only in February "
            "(the day of month and the day of week must both match)",
        ),
        ("0 0 29 2 1", "ko", "00:00, 매월 29일, 월요일에, 2월 (날짜와 요일이 모두 맞는 날에만)"),
        ("0 3 * * 1", "en", "At 03:00, only on Monday"),
        ("0 3 1 * *", "en", "At 03:00, on day 1 of the month"),
    ],
)
def test_days_of_month_and_week_together_say_and_as_celery_does(
    expression: str, language: Language, words: str
) -> None:
    """Celery fires on 2044-02-29 (a Monday) and the like: both must match, not either."""
    assert cron_in_words(expression, language) == words
