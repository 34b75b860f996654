"""A real Beat hears RedBeat's own saves through Redis keyspace notifications.

The Beat polls only every LOOP seconds here, so a fire committed sooner than that after
the Beat's last look can only come from the notification. Each measurement starts right
after a wake-up we give the Beat ourselves (`fence`): its next look of its own is then
at least LOOP seconds away, and the test waits for the pickup only until then.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from celery import Celery
from celery.schedules import schedule
from redbeat import RedBeatSchedulerEntry
from redis import Redis

from app.core.constants import BEAT_PICKUP_KEY, BEAT_WAKE_KEY, REDBEAT_LOCK_KEY
from app.core.embedded_redis import RedisServer
from app.schedules.store import ScheduleStore
from tests.integration.conftest import Stack, stack_env, wait_until, write_schedules

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
LOOP = 12.0
# Redis ends a blocking wait up to 100 ms late or early on its clock tick; Beat sleeps
# the last 100 ms itself. A second of margin covers both and the test's own reads.
MARGIN = 1.0
LOCK_TIMEOUT = 3 * LOOP
SLOW_BEAT = {"BEAT_MAX_LOOP_INTERVAL": str(LOOP), "BEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT)}


def redbeat_app(url: str) -> Celery:
    """A Celery app of its own for RedBeat's client, as a stock user would have."""
    app = Celery("stock-user", set_as_current=False)
    app.conf.redbeat_redis_url = url
    return app


def due_entry(app: Celery, name: str) -> RedBeatSchedulerEntry:
    """Hourly, last run two hours ago: due the moment it is saved."""
    return RedBeatSchedulerEntry(
        name=name,
        task=CRAWL,
        schedule=schedule(timedelta(hours=1)),
        app=app,
        last_run_at=datetime.now(UTC) - timedelta(hours=2),
    )


def fence(redis: Redis) -> float:
    """Wake the Beat as a writer would and wait until that pass is over; returns a
    moment before which its next look of its own cannot come.

    Each pass begins by renewing the Beat's lock, so the lock's TTL jumps back up at
    every look; once it has run down a second, the Beat is idle in its wait.
    """
    pushed = time.monotonic()
    redis.lpush(BEAT_WAKE_KEY, "0")
    wait_until(lambda: redis.llen(BEAT_WAKE_KEY) == 0, what="Beat to take the wake token")
    wait_until(
        lambda: int(redis.pttl(REDBEAT_LOCK_KEY)) < LOCK_TIMEOUT * 1000 - 1000,
        what="the lock's TTL to run down a second",
    )
    return pushed + LOOP - MARGIN


def looked_since(redis: Redis, ttl: int) -> bool:
    """The lock was renewed (a pass began) since its TTL read `ttl`."""
    return int(redis.pttl(REDBEAT_LOCK_KEY)) > ttl + 500


def fired_after(store: ScheduleStore, name: str, moment: datetime) -> bool:
    """Beat committed a fire of `name` after `moment` (the save itself carries a last
    run two hours back)."""
    found = store.get(name)
    return found is not None and found.last_run_at is not None and found.last_run_at > moment


def before(moment: float) -> float:
    left = moment - time.monotonic()
    assert left > 1.0, "the fence took most of the Beat's loop: the machine is too slow"
    return left


def pickup_state(redis: Redis) -> dict[str, object]:
    raw = wait_until(lambda: redis.get(BEAT_PICKUP_KEY), what="the pickup state")
    state: dict[str, object] = json.loads(raw)
    return state


def test_a_redbeat_save_fires_and_a_delete_is_seen_before_the_poll(
    stack: Stack, redis: Redis, store: ScheduleStore
) -> None:
    beat = stack.beat(**SLOW_BEAT)
    beat.wait_for_log("pickup of RedBeat's own saves: keyspace notifications on")
    assert pickup_state(redis)["keyspace_notifications"] is True
    app = redbeat_app(stack.env["REDIS_URL"])

    poll = fence(redis)
    entry = due_entry(app, "redbeat_saved")
    saved = datetime.now(UTC)
    entry.save()
    wait_until(
        lambda: fired_after(store, "redbeat_saved", saved),
        timeout=before(poll),
        what="the fire, before Beat's own next look",
    )
    beat.wait_for_log("sending due task redbeat_saved")

    poll = fence(redis)
    ttl = int(redis.pttl(REDBEAT_LOCK_KEY))
    entry.delete()
    wait_until(
        lambda: looked_since(redis, ttl),
        timeout=before(poll),
        what="Beat to look again after the delete, before its own next look",
    )

    # The listener stops with the Beat: a clean exit, nothing logged as unexpected.
    assert beat.stop() == 0
    assert "Traceback" not in beat.log() and "unexpectedly" not in beat.log()


def test_a_redis_without_notifications_is_reported_and_the_poll_still_fires(
    tmp_path: Path,
) -> None:
    server = RedisServer(tmp_path / "redis", extra_args=["--notify-keyspace-events", ""])
    with server, stack_on(server, tmp_path) as stack:
        redis = Redis.from_url(server.url, decode_responses=True)
        beat = stack.beat()
        beat.wait_for_log("keyspace notifications off: Redis sends none")
        state = pickup_state(redis)
        assert state["keyspace_notifications"] is False
        assert "notify-keyspace-events" in str(state["reason"])

        due_entry(redbeat_app(server.url), "polled").save()
        beat.wait_for_log("sending due task polled")
        redis.close()


@contextmanager
def stack_on(server: RedisServer, tmp_path: Path) -> Iterator[Stack]:
    """The conftest's stack, on a Redis of the test's own."""
    files = tmp_path / "schedules.json"
    write_schedules(files, {})
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = Stack(stack_env(server.url, files), logs)
    try:
        yield stack
    finally:
        stack.stop_all()
