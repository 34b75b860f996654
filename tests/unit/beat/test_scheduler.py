"""app/beat/scheduler.py: BatchScheduler.tick() on fakeredis, the broker replaced by a list.

Each test gets a fresh fakeredis server (conftest.py). A Beat here is the real class
with its Redis client, producer and leadership put in place before first use; Celery's
`send_task` is recorded instead of publishing.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import fakeredis
import pytest
from kombu.transport import redis as kombu_redis

from app.beat.dispatch import fire_headers
from app.beat.leadership import Leadership
from app.beat.publish import LeanPublisher
from app.beat.scheduler import FIRST_BATCH_SIZE, BatchScheduler
from app.core.celery_app import celery_app
from app.core.constants import REDBEAT_LOCK_KEY, REDBEAT_SCHEDULE_KEY
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec
from app.schedules.store import BeatLocks, DueBatch, ScheduleStore

TASK = "app.tasks.scheduler.crawl_all_complexes"
MAX_INTERVAL = 0.05


class FakeProducer:
    @contextmanager
    def batch(self, max_size: int) -> Iterator[None]:
        yield


Sent = list[tuple[str, list[Any]]]
MakeBeat = Callable[..., BatchScheduler]


@pytest.fixture
def sent_options() -> list[dict[str, Any]]:
    """The options (headers among them) of each message `sent` records, in order."""
    return []


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch, sent_options: list[dict[str, Any]]) -> Sent:
    sent: Sent = []

    def send_task(name: str, args: list[Any], kwargs: dict[str, Any], **options: Any) -> Any:
        sent.append((name, list(args)))
        sent_options.append(options)
        return SimpleNamespace(id=f"task-{len(sent)}")

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return sent


@pytest.fixture
def make_beat(redis: fakeredis.FakeRedis, tmp_path: Path) -> MakeBeat:
    schedules = tmp_path / "schedules.json"
    schedules.write_text(json.dumps({"schedules": {}}), encoding="utf-8")

    def make(instance_id: str = "beat-a", batch_size: int = 500) -> BatchScheduler:
        beat = BatchScheduler(celery_app, max_interval=MAX_INTERVAL)
        beat.settings = beat.settings.model_copy(
            update={"schedules_file": schedules, "beat_batch_size": batch_size}
        )
        beat.__dict__["redis"] = redis
        beat.__dict__["producer"] = FakeProducer()
        beat.__dict__["publisher"] = None  # every message through the stubbed send_task
        beat.__dict__["leadership"] = Leadership(BeatLocks(redis), beat.lock_timeout, instance_id)
        beat._stop.installed = True  # leave the test process's signal handlers alone
        return beat

    return make


def due_now(store: ScheduleStore, name: str, args: list[Any] | None = None) -> None:
    store.save(name, parse_spec({"task": TASK, "interval": 3600, "args": args or []}))
    store.redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key(name): time.time() - 1})


def run_count(store: ScheduleStore, name: str) -> int:
    entry = store.get(name)
    assert entry is not None
    return entry.total_run_count


def test_a_standby_waits_in_its_tick_and_sends_nothing(
    make_beat: MakeBeat, store: ScheduleStore, sent: Sent
) -> None:
    due_now(store, "due")
    Leadership(store.beats, 30.0, "other-beat").beat()
    beat = make_beat()

    assert beat.tick() == 0.0  # it waited (at most MAX_INTERVAL) inside
    assert sent == []
    assert run_count(store, "due") == 0
    assert store.read_sync_state() is None, "a standby never applies schedules.json"


def test_the_leader_dispatches_due_entries_and_waits_itself(
    make_beat: MakeBeat, store: ScheduleStore, sent: Sent
) -> None:
    due_now(store, "one", [1])
    due_now(store, "two", [2])
    store.save("later", parse_spec({"task": TASK, "cron": "0 3 * * *", "args": [3]}))
    beat = make_beat()

    assert beat.tick() == 0.0
    assert sorted(sent) == [(TASK, [1]), (TASK, [2])]
    assert (run_count(store, "one"), run_count(store, "two"), run_count(store, "later")) == (
        1,
        1,
        0,
    )
    entry = store.get("one")
    assert entry is not None and entry.next_run_at is not None
    assert entry.next_run_at.timestamp() > time.time() + 3000
    assert store.read_sync_state() is not None, "the new leader applied schedules.json"
    # Sent once: the next pass finds nothing due.
    assert beat.tick() == 0.0
    assert len(sent) == 2


def test_each_message_names_its_schedule_slot_and_fire(
    make_beat: MakeBeat, store: ScheduleStore, sent: Sent, sent_options: list[dict[str, Any]]
) -> None:
    due_now(store, "주간업데이트", [1])
    slot = store.redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key("주간업데이트"))
    assert slot is not None

    make_beat().tick()

    [options] = sent_options
    headers = options["headers"]
    scheduled_at = datetime.fromisoformat(headers["scheduled_at"].replace("Z", "+00:00"))
    assert headers["schedule"] == "주간업데이트"
    assert headers["scheduled_at"].endswith("Z")
    assert scheduled_at.timestamp() == pytest.approx(slot, abs=1e-6)
    assert headers["celery_beat_task"] is True
    # The same slot always gets the same fire id; another slot, another id.
    again = fire_headers(entry_key("주간업데이트"), "주간업데이트", scheduled_at)
    later = fire_headers(
        entry_key("주간업데이트"), "주간업데이트", scheduled_at + timedelta(hours=1)
    )
    assert UUID(headers["fire_id"]) and headers["fire_id"] == again["fire_id"]
    assert later["fire_id"] != headers["fire_id"]


def test_a_full_batch_loops_without_waiting(
    make_beat: MakeBeat, store: ScheduleStore, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        due_now(store, f"e{i}", [i])
    beat = make_beat(batch_size=2)
    waits: list[float | None] = []
    monkeypatch.setattr(beat, "_wait", waits.append)

    sizes = []
    for _ in range(3):
        before = len(sent)
        assert beat.tick() == 0.0
        sizes.append((len(sent) - before, len(waits)))

    assert sizes == [(2, 0), (2, 0), (1, 1)], "waits only after a batch that was not full"
    assert sorted(args[0] for _task, args in sent) == [0, 1, 2, 3, 4]


def test_a_burst_starts_with_a_short_batch_then_drains_in_full_ones(
    make_beat: MakeBeat, store: ScheduleStore, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(FIRST_BATCH_SIZE + 70):
        due_now(store, f"e{i}", [i])
    beat = make_beat(batch_size=60)
    waits: list[float | None] = []
    monkeypatch.setattr(beat, "_wait", waits.append)

    sizes = []
    for _ in range(4):
        before = len(sent)
        beat.tick()
        sizes.append((len(sent) - before, len(waits)))

    assert sizes == [(FIRST_BATCH_SIZE, 0), (60, 0), (10, 1), (0, 2)]


def test_redis_unreachable_returns_max_interval_and_logs_once(
    make_beat: MakeBeat,
    store: ScheduleStore,
    sent: Sent,
    server: fakeredis.FakeServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="app.beat")
    due_now(store, "due")
    beat = make_beat()
    server.connected = False

    assert beat.tick() == MAX_INTERVAL
    assert beat.tick() == MAX_INTERVAL
    unreachable = [r for r in caplog.records if "is unreachable" in r.getMessage()]
    assert len(unreachable) == 1 and unreachable[0].levelname == "ERROR"
    assert sent == []

    server.connected = True
    assert beat.tick() == 0.0
    assert "Redis answers again" in caplog.text
    assert sent == [(TASK, [])]


def test_an_unforeseen_sync_error_is_a_refused_file_and_dispatching_goes_on(
    make_beat: MakeBeat,
    store: ScheduleStore,
    sent: Sent,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def sync_file(*args: Any, **kwargs: Any) -> None:
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr("app.beat.scheduler.sync_file", sync_file)
    caplog.set_level(logging.INFO, logger="app.beat")
    due_now(store, "due")
    beat = make_beat()

    assert beat.tick() == 0.0
    assert beat.tick() == 0.0
    assert sent == [(TASK, [])]
    failed = [r for r in caplog.records if "sync failed unexpectedly" in r.getMessage()]
    assert len(failed) == 1, "logged once: the file is not re-read until it changes"
    state = store.read_sync_state()
    assert state is not None and state["ok"] is False
    assert "OverflowError" in state["error"]


def test_a_beat_whose_token_does_not_hold_the_lock_commits_and_sends_nothing(
    make_beat: MakeBeat, store: ScheduleStore, sent: Sent, caplog: pytest.LogCaptureFixture
) -> None:
    beat = make_beat()
    assert beat.tick() == 0.0  # leads
    due_now(store, "due")
    score = store.redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key("due"))
    # Its lock expired and another Beat took it between this Beat's claim and commit.
    store.redis.set(REDBEAT_LOCK_KEY, "beat-b")

    beat.dispatch_due()

    assert sent == []
    assert run_count(store, "due") == 0
    assert store.redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key("due")) == score
    assert beat.leadership.leader_since is None
    assert "lost the lock" in caplog.text


def test_an_entry_edited_after_loading_is_not_sent_from_its_old_definition(
    make_beat: MakeBeat, store: ScheduleStore, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    beat = make_beat()
    assert beat.tick() == 0.0  # leads
    due_now(store, "edited", ["old"])
    due_now(store, "kept", ["kept"])
    load = store.due

    def load_then_edit(now: Any, limit: int, changes_after: str | None = None) -> DueBatch:
        batch = load(now, limit, changes_after)
        store.save("edited", parse_spec({"task": TASK, "interval": 3600, "args": ["new"]}))
        return batch

    monkeypatch.setattr(beat.store, "due", load_then_edit)
    beat.dispatch_due()

    assert sent == [(TASK, ["kept"])]
    edited = store.get("edited")
    assert edited is not None
    assert (edited.args, edited.total_run_count) == (["new"], 0)


def test_the_wait_ends_when_a_writer_wakes_the_beat(
    make_beat: MakeBeat, store: ScheduleStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="app.beat")
    beat = make_beat()
    beat.max_interval = 30  # far beyond the test's timeout if the wake-up were missed
    store.save("new", parse_spec({"task": TASK, "interval": 3600}))

    beat._wait(None)

    assert "woken by a schedule change" in caplog.text
    assert store.wait_for_change(0.01) is None, "the wake token was taken"


def test_close_releases_the_lock(make_beat: MakeBeat, store: ScheduleStore, sent: Sent) -> None:
    beat = make_beat()
    beat.tick()
    assert store.beats.holder() == "beat-a"

    beat.close()

    assert store.beats.holder() is None


class Killed(BaseException):
    """Stands for a SIGKILL right after the commit: nothing after it runs."""


def test_the_commit_queues_lean_messages_so_a_kill_after_it_loses_none(
    make_beat: MakeBeat, store: ScheduleStore, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fakeredis.FakeServer()  # the broker channel only builds here, never pushes
    monkeypatch.setattr(
        kombu_redis.Channel,
        "_create_client",
        lambda self, asynchronous=False: fakeredis.FakeRedis(server=server),
    )
    beat = make_beat()
    assert beat.tick() == 0.0  # leads
    with celery_app.producer_or_acquire() as producer:
        lean = LeanPublisher(celery_app, producer.channel)
        beat.__dict__["publisher"] = lean
        due_now(store, "one", [1])
        due_now(store, "two", [2])
        commit = store.commit_fires

        def commit_then_die(*args: Any, **kwargs: Any) -> Any:
            commit(*args, **kwargs)
            raise Killed

        monkeypatch.setattr(store, "commit_fires", commit_then_die)
        beat.__dict__["store"] = store
        with pytest.raises(Killed):
            beat.dispatch_due()
    assert sent == []  # nothing went through send_task
    queued = [json.loads(m) for m in store.redis.lrange(celery_app.conf.task_default_queue, 0, -1)]
    got = sorted(
        (m["headers"]["schedule"], json.loads(base64.b64decode(m["body"]))[0]) for m in queued
    )
    assert got == [("one", [1]), ("two", [2])]
    assert (run_count(store, "one"), run_count(store, "two")) == (1, 1)


def test_an_entry_the_lean_path_cannot_encode_goes_through_send_task_not_down_the_beat(
    make_beat: MakeBeat, store: ScheduleStore, sent: Sent, caplog: pytest.LogCaptureFixture
) -> None:
    """RedBeat's own API can store arguments ours never writes (a dateutil weekday, say):
    one such entry must not stop the batch, or every Beat would fail on it in turn."""

    class Refusing:
        def message(self, *args: Any, **kwargs: Any) -> Any:
            raise TypeError("Object of type weekday is not JSON serializable")

    beat = make_beat()
    assert beat.tick() == 0.0  # leads
    beat.__dict__["publisher"] = Refusing()
    due_now(store, "odd", [1])

    beat.dispatch_due()

    assert sent == [(TASK, [1])]
    assert run_count(store, "odd") == 1
    assert "odd takes Celery's send_task" in caplog.text
