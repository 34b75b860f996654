"""The soak's short version (bench/soak.py runs the long one): 200 schedules every
second for 16 s, a worker and the API in use, and the leading Beat SIGKILLed halfway.
Every (schedule, slot) is counted from the broker (the schedules nobody runs) and the
run history (those the worker runs)."""

from __future__ import annotations

from bench import soak as bench_soak

SCHEDULES = 200
SECONDS = 16.0
WORKER_SHARE = 0.25  # 50 on the worker, 150 counted in the broker


def test_200_schedules_every_second_through_a_beat_failover_no_slot_doubled_or_lost() -> None:
    # A 3 s lock, so the takeover (and its catch-up) falls well inside the 16 s.
    soak = bench_soak.run(SCHEDULES, SECONDS, WORKER_SHARE, env={"BEAT_LOCK_TIMEOUT": "3"})
    print("\n" + bench_soak.report(soak))
    slots = soak.slots
    assert soak.takeover is not None, "the standby never took over"
    assert slots.expected >= SCHEDULES * (SECONDS - bench_soak.END_MARGIN - 1)
    assert slots.doubled == []
    # Every slot is accounted for: sent, skipped (overlap, on the worker), or caught up
    # after the failover's gap. None is lost, not even by the leader killed mid-batch:
    # a fire's message is queued by the very commit that records it sent.
    assert slots.lost == []
    assert slots.caught_up > 0, "no catch-up after the gap: was the leader killed?"
    assert soak.api and set(soak.api) == {200}, soak.api
