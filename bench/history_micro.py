"""Beat's per-fire Python work for history, timed without a profiler.

On a batch of N due rows as the store loads them (`ScheduleStore.due`): `plan_batch`
with history on and off (the difference is what planning a recorded fire adds), and
the pieces of it: building the RunRecord, `RunRecord.to_json()` (dataclasses.asdict,
then json.dumps), the same JSON from the record's fields directly (what a leaner
encoder would cost), `fire_headers` (computed in planning and again when sending,
with history on) and `new_task_id`. Best of `REPEATS` timings of each, µs per fire.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from redis import Redis

from app.beat.dispatch import FirePolicy, plan_batch
from app.schedules import RunRecord, ScheduleStore, fire_headers, new_task_id
from bench import common, load

REPEATS = 5


def best(fn: Callable[[], Any], count: int) -> float:
    """Best of REPEATS, µs per item (`fn` does `count` items)."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) / count * 1e6


def direct_json(rec: RunRecord) -> str:
    """The JSON to_json writes, built from the fields without asdict's deep copies."""
    data = {k: v for k, v in vars(rec).items() if v is not None and k != "id"}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def report(app: Any, redis: Redis, size: int) -> None:
    store = ScheduleStore(redis, app, load.TIMEZONE)
    now = datetime.now(UTC)
    rows = store.due(now, size).rows
    count = len(rows)
    on, off = FirePolicy(True), FirePolicy(False)
    steps = plan_batch(rows, now, on)
    records = [RunRecord.from_json(s.fire.record) for s in steps if s.fire is not None]
    assert all(direct_json(r) == r.to_json() for r in records[:100])
    served = [(s.key, s.entry.name if s.entry else "", s.served or now) for s in steps]

    def build() -> None:
        for r in records:
            RunRecord(r.schedule, r.fire_id, r.task, r.scheduled_at, r.outcome, task_id=r.task_id)

    work: list[tuple[str, Callable[[], Any]]] = [
        ("plan_batch, history on", lambda: plan_batch(rows, now, on)),
        ("plan_batch, history off", lambda: plan_batch(rows, now, off)),
        ("  RunRecord(...)", build),
        ("  RunRecord.to_json()", lambda: [r.to_json() for r in records]),
        ("  the same JSON, built directly", lambda: [direct_json(r) for r in records]),
        (
            "  fire_headers (twice per fire with history)",
            lambda: [fire_headers(*s) for s in served],
        ),
        ("  new_task_id (either way)", lambda: [new_task_id() for _ in range(count)]),
    ]
    timings = [(name, best(fn, count)) for name, fn in work]
    print(f"Beat's Python work per fire, unprofiled, best of {REPEATS} over {count:,} rows:")
    print()
    print(common.table(["work", "µs/fire"], ([name, f"{us:.1f}"] for name, us in timings)))
