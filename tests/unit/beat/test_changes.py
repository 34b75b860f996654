"""Beat's line per change it picks up (app/beat/changes.py), on fakeredis."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import fakeredis
import pytest

from app.beat.leadership import Leadership
from app.beat.scheduler import BatchScheduler
from app.core.celery_app import celery_app
from app.core.constants import FIELD_DEFINITION, REDBEAT_SCHEDULE_KEY
from app.schedules import ScheduleService, TaskRegistry
from app.schedules import entry as codec
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec
from app.schedules.store import BeatLocks, ScheduleStore

TASK = "app.tasks.scheduler.crawl_all_complexes"
NAME = "테스트_크롤링"
SEED = {"name": NAME, "task": TASK, "hour": 14, "minute": 30, "day_of_week": "3"}
MakeBeat = Callable[[], BatchScheduler]


@pytest.fixture
def schedules_file(tmp_path: Path) -> Path:
    path = tmp_path / "schedules.json"
    path.write_text(json.dumps({"schedules": {}}), encoding="utf-8")
    return path


class FakeProducer:
    @contextmanager
    def batch(self, max_size: int) -> Iterator[None]:
        yield


@pytest.fixture
def make_beat(
    redis: fakeredis.FakeRedis, schedules_file: Path, monkeypatch: pytest.MonkeyPatch
) -> MakeBeat:
    # Nothing is published.
    monkeypatch.setattr(celery_app, "send_task", lambda *a, **k: None)

    def make() -> BatchScheduler:
        beat = BatchScheduler(celery_app, max_interval=0.01)
        beat.settings = beat.settings.model_copy(update={"schedules_file": schedules_file})
        beat.__dict__["redis"] = redis
        beat.__dict__["producer"] = FakeProducer()
        beat.__dict__["publisher"] = None  # every message through the stubbed send_task
        beat.__dict__["leadership"] = Leadership(BeatLocks(redis), beat.lock_timeout, "beat-a")
        beat._stop.installed = True  # leave the test process's signal handlers alone
        return beat

    return make


@pytest.fixture
def service(store: ScheduleStore, registry: TaskRegistry) -> ScheduleService:
    return ScheduleService(store, registry)


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    caplog.set_level(logging.INFO, logger="app.beat.changes")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "app.beat.changes"]


def test_each_change_is_one_line_on_the_next_pass(
    make_beat: MakeBeat, service: ScheduleService, lines: Callable[[], list[str]]
) -> None:
    beat = make_beat()
    beat.tick()  # takes the lock
    service.create(SEED, actor="client:127.0.0.1")
    service.update(NAME, {"hour": 15}, actor="client:127.0.0.1")
    service.set_enabled(NAME, False, actor="cli:me@box")
    beat.dispatch_due()
    assert lines() == [
        f"beat: schedule {NAME} created: task {TASK}, minute 30, hour 14, day_of_week 3 (api) "
        "by client:127.0.0.1",
        f"beat: schedule {NAME} changed: hour 14→15 (api) by client:127.0.0.1",
        f"beat: schedule {NAME} paused (cli) by cli:me@box",
    ]
    beat.dispatch_due()
    assert len(lines()) == 3  # each once


def test_the_line_names_its_schedule_for_json_logs(
    make_beat: MakeBeat, service: ScheduleService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.beat.changes")
    beat = make_beat()
    beat.tick()
    service.create(SEED, actor="client:127.0.0.1")
    beat.dispatch_due()
    [record] = [r for r in caplog.records if r.name == "app.beat.changes"]
    assert record.schedule == NAME  # type: ignore[attr-defined]


def test_changes_before_this_beat_led_are_not_its_to_log(
    make_beat: MakeBeat, service: ScheduleService, lines: Callable[[], list[str]]
) -> None:
    service.create(SEED, actor="client:127.0.0.1")
    beat = make_beat()
    beat.tick()
    service.delete(NAME, actor="client:127.0.0.1")
    beat.dispatch_due()
    assert lines() == [f"beat: schedule {NAME} deleted (api) by client:127.0.0.1"]


def test_a_schedules_json_edit_is_logged_as_file(
    make_beat: MakeBeat, schedules_file: Path, lines: Callable[[], list[str]]
) -> None:
    beat = make_beat()
    beat.tick()
    doc = {"schedules": {"매일": {"task": TASK, "cron": "0 3 * * *"}}}
    schedules_file.write_text(json.dumps(doc), encoding="utf-8")
    beat.tick()
    doc["schedules"]["매일"]["cron"] = "0 4 * * *"
    schedules_file.write_text(json.dumps(doc), encoding="utf-8")
    beat.tick()
    assert lines() == [
        f'beat: schedule 매일 created: task {TASK}, cron "0 3 * * *" (file)',
        'beat: schedule 매일 changed: cron "0 3 * * *"→"0 4 * * *" (file)',
    ]


def test_an_edit_made_with_redbeats_own_api_is_recorded_once_as_redbeat(
    make_beat: MakeBeat,
    service: ScheduleService,
    store: ScheduleStore,
    lines: Callable[[], list[str]],
) -> None:
    service.create({"name": "외부", "task": TASK, "interval": 60}, actor="client:127.0.0.1")
    # What RedBeatSchedulerEntry.save() writes: the definition, not our manager field.
    theirs = codec.encode(
        "외부", parse_spec({"task": TASK, "interval": 90}), "api", "UTC", celery_app
    )
    store.redis.hset(entry_key("외부"), FIELD_DEFINITION, theirs[FIELD_DEFINITION])
    store.redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key("외부"): time.time() - 1})

    beat = make_beat()
    beat.tick()  # leads; the entry is due: noticed, recorded
    beat.dispatch_due()  # the record is logged from the feed
    assert lines() == ["beat: schedule 외부 changed: interval 60→90 (redbeat)"]
    trail = store.audit("외부", 10)
    assert [(c.action, c.actor) for c in trail] == [
        ("changed", "redbeat"),
        ("created", "client:127.0.0.1"),
    ]

    # A restarted Beat finds it recorded already.
    store.redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key("외부"): time.time() - 1})
    again = make_beat()
    again.tick()
    again.dispatch_due()
    assert len(store.audit("외부", 10)) == 2
