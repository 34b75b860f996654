"""Beat failover with real processes, real signals and a real redis-server.

Beats run with no worker on the schedules' queue, so every message Beat sends stays in
the broker list and each (schedule, slot) pair can be counted: one slot sent twice
fails the test. Takeover times are printed, not asserted (the machine may be loaded);
bench/failover.py repeats the takeovers and reports their worst and median.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from app.core.config import Settings
from app.core.constants import BEAT_INSTANCE_KEY_PREFIX, REDBEAT_LOCK_KEY
from app.core.embedded_redis import RedisServer, free_port
from app.schedules import ScheduleService, ScheduleStore, TaskRegistry
from tests.integration.conftest import Proc, Stack, stack_env, wait_until, write_schedules

REPORT = "app.tasks.reports.generate_daily_report"
QUEUE = "failover"
ACQUIRED = "beat: acquired the lock"
STANDING_BY = "beat: standing by"
LOST = "beat: lost the lock"
SCHEDULES = 20

MakeStack = Callable[..., Stack]


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[MakeStack]:
    """make_stack(redis_url, defaults=False, **env): Beats' settings as the tests' usual
    ones (a 3 s lock), or with `defaults` Beat's own lock timeout and loop interval."""
    made: list[Stack] = []

    def make(redis_url: str, defaults: bool = False, **env: str) -> Stack:
        schedules = tmp_path / f"schedules-{len(made)}.json"
        if not schedules.exists():
            write_schedules(schedules, {})
        settings = stack_env(redis_url, schedules, **env)
        if defaults:
            settings.pop("BEAT_LOCK_TIMEOUT", None)
            settings.pop("BEAT_MAX_LOOP_INTERVAL", None)
        logs = tmp_path / f"logs-{len(made)}"
        logs.mkdir()
        made.append(Stack(settings, logs))
        return made[-1]

    yield make
    for stack in made:
        stack.stop_all()


def start_beats(stack: Stack, count: int) -> tuple[Proc, list[Proc]]:
    """`count` Beats started at once; (the one that leads, the standbys)."""
    beats = [stack.start("run_celery_beat.sh", "beat") for _ in range(count)]
    wait_until(lambda: any(ACQUIRED in b.log() for b in beats), timeout=60, what="a leader")
    for b in beats:
        b.wait_for_log("beat: Starting...")
    leader = next(b for b in beats if ACQUIRED in b.log())
    standbys = [b for b in beats if b is not leader]
    for b in standbys:
        b.wait_for_log(STANDING_BY)
    return leader, standbys


def create_schedules(store: ScheduleStore, registry: TaskRegistry, count: int) -> None:
    service = ScheduleService(store, registry)
    for i in range(count):
        service.create(
            {
                "name": f"넘겨받기_{i:02d}",
                "task": REPORT,
                "interval": 1,
                "options": {"queue": QUEUE},
                "policy": {"overlap": "allow"},
            }
        )


def messages(redis: Redis) -> list[dict[str, Any]]:
    return [json.loads(text) for text in redis.lrange(QUEUE, 0, -1)]


def slots(redis: Redis) -> list[tuple[str, datetime]]:
    return [
        (m["headers"]["schedule"], datetime.fromisoformat(m["headers"]["scheduled_at"]))
        for m in messages(redis)
    ]


def assert_each_slot_once(redis: Redis) -> int:
    pairs = Counter(slots(redis))
    assert [pair for pair, n in pairs.items() if n > 1] == [], "a slot was sent twice"
    return len(pairs)


def wait_for_fires(redis: Redis, more: int, what: str) -> None:
    start = redis.llen(QUEUE)
    wait_until(lambda: redis.llen(QUEUE) >= start + more, what=what)


def pid_of(token: str | None) -> int | None:
    """Our Beats' lock token is host:pid:random."""
    parts = (token or "").split(":")
    return int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None


def wait_for_holder(redis: Redis, proc: Proc, what: str) -> float:
    """Wait until `proc` holds the lock; monotonic time it was seen."""
    wait_until(lambda: pid_of(redis.get(REDBEAT_LOCK_KEY)) == proc.popen.pid, what=what)
    return time.monotonic()


def test_with_default_settings_a_crash_and_a_clean_stop_hand_over_without_a_doubled_slot(
    redis_server: RedisServer,
    redis: Redis,
    store: ScheduleStore,
    registry: TaskRegistry,
    make_stack: MakeStack,
) -> None:
    """Three Beats with Beat's default lock and loop. SIGKILL the leader: a standby
    takes over once its lock expires (the lock's TTL is the default); SIGTERM the new
    leader: its release wakes the last standby. Slots due in the crash's gap are sent
    once, as one catch-up fire per schedule that says how many slots it stands for."""
    stack = make_stack(redis_server.url, defaults=True)
    first, standbys = start_beats(stack, 3)
    create_schedules(store, registry, SCHEDULES)  # now: their first fires are on time
    wait_for_fires(redis, 2 * SCHEDULES, "fires from the first leader")
    lock_ms = Settings.model_fields["beat_lock_timeout"].default * 1000
    assert 0 < redis.pttl(REDBEAT_LOCK_KEY) <= lock_ms

    killed_at = time.monotonic()
    first.child.send(signal.SIGKILL)
    second = wait_until(
        lambda: next((b for b in standbys if ACQUIRED in b.log()), None),
        what="a standby to take over from the killed leader",
    )
    crash_takeover = wait_for_holder(redis, second, "the new leader's lock") - killed_at
    [line] = [ln for ln in second.log().splitlines() if ACQUIRED in ln]
    assert f"the lock of {first_token(first)} expired" in line
    wait_for_fires(redis, 2 * SCHEDULES, "fires from the second leader")

    [third] = [b for b in standbys if b is not second]
    stopped_at = time.monotonic()
    second.child.send(signal.SIGTERM)
    clean_takeover = wait_for_holder(redis, third, "the last standby's lock") - stopped_at
    assert second.popen.wait(timeout=30) == 0
    assert "beat: released the lock" in second.log()
    [line] = [ln for ln in third.log().splitlines() if ACQUIRED in ln]
    assert f"released by {first_token(second)}" in line
    wait_for_fires(redis, 2 * SCHEDULES, "fires from the third leader")
    third.stop()

    sent = assert_each_slot_once(redis)
    caught_up = [
        rec
        for i in range(SCHEDULES)
        for rec in store.in_progress(f"넘겨받기_{i:02d}")
        if rec.missed_count
    ]
    per_schedule = Counter(rec.schedule for rec in caught_up)
    assert sorted(per_schedule.values()) == [1] * SCHEDULES, per_schedule
    print(
        f"\ndefault settings: takeover {crash_takeover:.2f}s after SIGKILL, "
        f"{clean_takeover:.2f}s after SIGTERM; {sent} (schedule, slot) pairs, each once"
    )


def first_token(proc: Proc) -> str:
    """The lock token `proc` logged when it took the lock."""
    line = next(ln for ln in proc.log().splitlines() if ACQUIRED in ln)
    return line.split("acquired the lock as ", 1)[1].split(" ", 1)[0].rstrip(";")


def test_a_leader_stopped_past_its_lock_sends_nothing_once_it_wakes(
    redis_server: RedisServer,
    redis: Redis,
    store: ScheduleStore,
    registry: TaskRegistry,
    make_stack: MakeStack,
) -> None:
    """SIGSTOP the only Beat until its lock expires; the test then holds the lock, as
    another Beat would. After SIGCONT the old leader, whatever it was doing, sends no
    slot that came due after it was stopped: it logs the loss once and stands by."""
    create_schedules(store, registry, SCHEDULES)
    stack = make_stack(redis_server.url, BEAT_LOCK_TIMEOUT="2", BEAT_MAX_LOOP_INTERVAL="0.5")
    beat, _ = start_beats(stack, 1)
    wait_for_fires(redis, 2 * SCHEDULES, "fires before the stop")

    beat.child.send(signal.SIGSTOP)
    wait_until(lambda: _state(beat.popen.pid) == "T", what="the Beat to be stopped")
    stopped_at = time.time()  # any slot after this came due while it was stopped
    try:
        wait_until(lambda: redis.get(REDBEAT_LOCK_KEY) is None, what="its lock to expire")
        assert redis.set(REDBEAT_LOCK_KEY, "another-beat", px=120_000, nx=True)
    finally:
        beat.child.send(signal.SIGCONT)
    beat.wait_for_log(LOST, timeout=30)
    ticks: set[str] = set()
    wait_until(lambda: len(standby_ticks(redis, beat, ticks)) >= 3, what="standby ticks")
    late = [(n, s) for n, s in slots(redis) if s.timestamp() > stopped_at]
    assert late == [], "a Beat that lost its lock sent a slot"
    [line] = [ln for ln in beat.log().splitlines() if LOST in ln]
    assert "another-beat holds it now" in line

    redis.delete(REDBEAT_LOCK_KEY)  # the other Beat goes away: this one leads again
    wait_until(lambda: beat.log().count(ACQUIRED) == 2, what="it to lead again")
    wait_until(
        lambda: len({n for n, s in slots(redis) if s.timestamp() > stopped_at}) == SCHEDULES,
        what="every schedule caught up",
    )
    beat.stop()
    assert beat.log().count(LOST) == 1
    assert_each_slot_once(redis)


def standby_ticks(redis: Redis, beat: Proc, seen: set[str]) -> set[str]:
    """Add the tick its instance heartbeat shows, if it says standby, to `seen`."""
    raw = redis.get(BEAT_INSTANCE_KEY_PREFIX + first_token(beat))
    heartbeat = json.loads(raw) if raw else {}
    if heartbeat.get("role") == "standby":
        seen.add(heartbeat["last_tick"])
    return seen


def _state(pid: int) -> str:
    """The process state letter from /proc (T: stopped)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text.rsplit(")", 1)[1].split()[0]


def test_redis_restarted_without_its_data_the_leader_notices_and_the_file_comes_back(
    registry: TaskRegistry, make_stack: MakeStack, tmp_path: Path
) -> None:
    """Two Beats on a Redis with no persistence. Redis restarts empty: the lock is gone
    without expiring. The leader logs the loss once and stands by; one Beat takes the
    lock afresh, applies schedules.json again (its entries were lost with Redis) and
    dispatches; no Beat is restarted, and no slot is sent twice."""
    port = free_port()
    server = RedisServer(tmp_path / "redis", port=port)
    server.start()
    stack = make_stack(server.url, BEAT_LOCK_TIMEOUT="30", BEAT_MAX_LOOP_INTERVAL="0.5")
    try:
        client = Redis.from_url(server.url, decode_responses=True)
        write_schedules(
            Path(stack.env["SCHEDULES_FILE"]),
            {
                f"파일_{i}": {
                    "task": REPORT,
                    "interval": 1,
                    "options": {"queue": QUEUE},
                    "policy": {"overlap": "allow"},
                }
                for i in range(3)
            },
        )
        leader, [standby] = start_beats(stack, 2)
        wait_until(lambda: client.llen(QUEUE) >= 6, what="fires before the restart")

        server.stop()
        server.start()
        client.close()
        client = Redis.from_url(server.url, decode_responses=True)
        wait_until(lambda: client.llen(QUEUE) >= 6, what="fires after the restart")
        assert leader.popen.poll() is None and standby.popen.poll() is None
        [line] = [ln for ln in leader.log().splitlines() if LOST in ln]
        assert "Redis lost its data" in line  # the lock gone, or the standby took it first
        assert leader.log().count(ACQUIRED) + standby.log().count(ACQUIRED) == 2
        assert_each_slot_once(client)
        client.close()
    finally:
        stack.stop_all()
        server.stop()
