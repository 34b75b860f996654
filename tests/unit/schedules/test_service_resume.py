"""ScheduleService.set_enabled: resuming fires from the next slot after now, on fakeredis.

Slots that passed while paused are skipped: no run at the moment of resuming.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fakeredis
import pytest

from app.core.constants import FIELD_META, NEVER_SCORE, REDBEAT_SCHEDULE_KEY
from app.schedules import entry as codec
from app.schedules.keys import entry_key
from app.schedules.registry import TaskRegistry
from app.schedules.service import ScheduleService
from app.schedules.spec import parse_spec
from app.schedules.store import ScheduleStore

TASK = "app.tasks.scheduler.crawl_all_complexes"


@pytest.fixture
def service(store: ScheduleStore, registry: TaskRegistry) -> ScheduleService:
    return ScheduleService(store, registry)


def ran(redis: fakeredis.FakeRedis, name: str, at: datetime, count: int = 7) -> None:
    """Run state as Beat's commit leaves it after sending the task at `at`."""
    redis.hset(entry_key(name), FIELD_META, codec.encode_meta(at, count))


def paused_then_resumed(service: ScheduleService, redis: fakeredis.FakeRedis, name: str) -> None:
    service.set_enabled(name, False)
    assert redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key(name)) == NEVER_SCORE
    service.set_enabled(name, True)


def test_interval_resumes_at_the_next_slot_of_its_rhythm(
    service: ScheduleService, redis: fakeredis.FakeRedis
) -> None:
    """Every 10 minutes, last sent 95 minutes ago: nine slots passed while paused."""
    service.create({"name": "십분마다", "task": TASK, "interval": 600})
    last = datetime.now(UTC) - timedelta(minutes=95)
    ran(redis, "십분마다", last)
    paused_then_resumed(service, redis, "십분마다")
    entry = service.get("십분마다")
    # Five minutes from now (however long the resume took, under five minutes).
    assert entry.next_run_at == last + timedelta(minutes=100)
    assert (entry.last_run_at, entry.total_run_count) == (last, 7)
    assert entry.enabled


def test_interval_paused_briefly_keeps_its_next_slot(
    service: ScheduleService, redis: fakeredis.FakeRedis
) -> None:
    service.create({"name": "십분마다", "task": TASK, "interval": 600})
    last = datetime.now(UTC) - timedelta(minutes=3)
    ran(redis, "십분마다", last)
    paused_then_resumed(service, redis, "십분마다")
    assert service.get("십분마다").next_run_at == last + timedelta(minutes=10)


def test_crontab_resumes_at_its_next_slot_not_the_missed_one(
    service: ScheduleService, redis: fakeredis.FakeRedis
) -> None:
    """Daily, two hours (by the clock) from now in UTC; it last ran three days ago."""
    now = datetime.now(UTC)
    slot = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    service.create(
        {"name": "매일", "task": TASK, "hour": slot.hour, "minute": 0, "timezone": "UTC"}
    )
    ran(redis, "매일", slot - timedelta(days=3))
    paused_then_resumed(service, redis, "매일")
    assert service.get("매일").next_run_at == slot


def test_one_off_missed_while_paused_is_sent_on_resume(
    service: ScheduleService, redis: fakeredis.FakeRedis
) -> None:
    """It has no later slot, so its passed time stands and Beat sends it at once."""
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    # Paused before its time came (written by the store: the API refuses a past time).
    service.store.save("한번", parse_spec({"task": TASK, "at": at.isoformat(), "enabled": False}))
    service.set_enabled("한번", True)
    assert redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key("한번")) == at.timestamp()
