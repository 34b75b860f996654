"""Redis bytes per run record, written through the store's own methods.

Finished records: for each fire, `start_run` (the worker's start, which takes the fire
into progress as Beat's commit would) then `finish_run`, the store's real scripts, with
realistic contents: a `succeeded` record with a result summary, or a `failed` one with
an error message and a traceback tail (bounded by `error_of`). Three layouts of N
records: one record for each of N schedules (the per-stream overhead at its worst),
N/200 schedules with 200 each (full per-schedule streams, HISTORY_PER_SCHEDULE's
default), and one schedule fired N times (its stream trimmed to 200; the task-id
pointers are not trimmed, they expire after HISTORY_MAX_AGE_DAYS).

Fires in progress: `register_run` of N fires, one per schedule, with the record Beat
writes when it sends (outcome `sent`).

Each case runs on a fresh redis-server. Figures: INFO memory `used_memory` after minus
before, per record; then the keys are deleted group by group and each group's drop in
used_memory is its share (per-schedule streams, the all-schedules stream, task-id
pointers, in-flight zsets, the leases zset, the rest: stats hashes and name zsets);
and MEMORY USAGE of one stream divided by its length.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

from redis import Redis

from app.core.constants import (
    HISTORY_ALL_KEY,
    HISTORY_KEY_PREFIX,
    INFLIGHT_KEY_PREFIX,
    LEASES_KEY,
    RUN_KEY_PREFIX,
)
from app.schedules import (
    RunRecord,
    ScheduleStore,
    error_of,
    fire_headers,
    new_task_id,
    summarize_result,
)
from app.schedules.keys import entry_key
from bench import common, load

PER_SCHEDULE = 200  # HISTORY_PER_SCHEDULE's default
WORKER = "celery@worker-7f9c4d6b8-x2kqp"
# A Celery task's failure as the worker sees it; error_of keeps its last 8 lines.
TRACEBACK = """Traceback (most recent call last):
  File "/app/.venv/lib/python3.11/site-packages/celery/app/trace.py", line 453, in trace_task
    R = retval = fun(*args, **kwargs)
  File "/app/.venv/lib/python3.11/site-packages/celery/app/trace.py", line 736, in __protected_call__
    return self.run(*args, **kwargs)
  File "/app/backend/app/tasks/reports.py", line 88, in export_daily_report
    rows = client.fetch_rows(report_id, since=window_start)
  File "/app/backend/app/integrations/warehouse.py", line 142, in fetch_rows
    response = self._session.get(url, params=params, timeout=self.timeout)
  File "/app/.venv/lib/python3.11/site-packages/requests/sessions.py", line 602, in get
    return self.request("GET", url, **kwargs)
  File "/app/.venv/lib/python3.11/site-packages/requests/adapters.py", line 519, in send
    raise ConnectionError(e, request=request)
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='warehouse.internal.example.com', port=443): Max retries exceeded with url: /api/v2/reports/4711/rows?since=2026-12-01T00%3A00%3A00Z (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3a2c1d9e50>: Failed to establish a new connection: [Errno 111] Connection refused'))
"""  # noqa: E501
MESSAGE = TRACEBACK.strip().splitlines()[-1].split(": ", 1)[1]
RESULT = {
    "status": "ok",
    "rows": 128_406,
    "elapsed_ms": 5321,
    "output": "s3://reports-bucket/exports/2026-12-02/daily_report_4711.csv.gz",
}


def store_on(redis: Redis) -> ScheduleStore:
    return ScheduleStore(redis, load.celery_app(), load.TIMEZONE)


def sent_record(name: str, now: float) -> RunRecord:
    """The record Beat's commit writes for a fire it sends."""
    served = datetime.fromtimestamp(int(now), UTC)
    fire_id = fire_headers(entry_key(name), name, served)["fire_id"]
    return RunRecord(
        schedule=name,
        fire_id=fire_id,
        task=common.TASK,
        scheduled_at=served.timestamp(),
        outcome="sent",
        task_id=new_task_id(),
        sent_at=now + 0.003,
    )


def finished(rec: RunRecord, kind: str, started: float) -> RunRecord:
    end = started + 5.321
    if kind == "failed":
        error = error_of(ConnectionError(MESSAGE), TRACEBACK)
        return replace(rec, outcome="failed", finished_at=end, error=error)
    return replace(rec, outcome="succeeded", finished_at=end, result=summarize_result(RESULT))


def write_finished(store: ScheduleStore, names: list[str], kind: str) -> int:
    """One finished record per name (names repeat for many records); returns the
    JSON bytes of the last record."""
    size = 0
    for name in names:
        now = time.time()
        rec = replace(sent_record(name, now), outcome="running", started_at=now, worker=WORKER)
        assert rec.task_id is not None
        store.start_run(rec.task_id, rec, "", now + 60, now)
        done = finished(rec, kind, now)
        store.finish_run(rec.task_id, done, "")
        size = len(done.to_json().encode())
    return size


def write_in_progress(store: ScheduleStore, names: list[str]) -> int:
    size = 0
    for name in names:
        now = time.time()
        rec = sent_record(name, now)
        reason = store.register_run(rec, "skip", "", now + 6 * 3600, now)
        assert reason is None, reason
        size = len(rec.to_json().encode())
    return size


GROUPS = [
    ("per-schedule streams", HISTORY_KEY_PREFIX + "*"),
    ("all-schedules stream", HISTORY_ALL_KEY),
    ("run hashes / task-id pointers", RUN_KEY_PREFIX + "*"),
    ("in-flight zsets", INFLIGHT_KEY_PREFIX + "*"),
    ("leases zset", LEASES_KEY),
]


def shares(redis: Redis) -> dict[str, int]:
    """Delete the keys group by group; each group's drop in used_memory, bytes."""
    out = {}
    for label, pattern in GROUPS:
        keys = list(redis.scan_iter(match=pattern, count=1000))
        before = common.used_memory(redis)
        for i in range(0, len(keys), 500):
            redis.delete(*keys[i : i + 500])
        out[label] = before - common.used_memory(redis)
    return out


def one_stream(redis: Redis, key: str) -> float:
    length = int(redis.xlen(key))
    return (redis.memory_usage(key, samples=0) or 0) / length if length else 0.0


def measure(names: list[str], kind: str) -> dict[str, float]:
    with common.redis_server() as server:
        redis = common.client(server)
        store = store_on(redis)
        # Load the scripts and create the shared keys first: they are not per record.
        warm = ["warm-up"]
        write_finished(store, warm, "succeeded")
        write_in_progress(store, warm)
        before = common.used_memory(redis)
        if kind == "sent":
            size = write_in_progress(store, names)
        else:
            size = write_finished(store, names, kind)
        total = common.used_memory(redis) - before
        figures: dict[str, float] = {"total": total, "json": size}
        figures["stream usage"] = one_stream(redis, HISTORY_KEY_PREFIX + names[-1])
        figures["all usage"] = one_stream(redis, HISTORY_ALL_KEY)
        figures["all length"] = int(redis.xlen(HISTORY_ALL_KEY))
        figures.update(shares(redis))
        figures["rest"] = total - sum(v for k, v in figures.items() if k in dict(GROUPS))
    return figures


def layouts(records: int) -> list[tuple[str, list[str]]]:
    full = max(1, records // PER_SCHEDULE)
    return [
        (f"{records:,} schedules × 1", [f"one_{i:06d}" for i in range(records)]),
        (
            f"{full:,} schedules × {PER_SCHEDULE}",
            [f"full_{i % full:06d}" for i in range(full * PER_SCHEDULE)],
        ),
        (f"1 schedule × {records:,} (trimmed)", ["busy"] * records),
    ]


def per(value: float, count: int) -> str:
    return f"{value / count:,.0f}" if count else "-"


HEADER = ["record", "layout", "JSON bytes", "used_memory Δ B/record", "per-schedule streams"]
HEADER += ["all-schedules stream", "task-id pointers", "rest (stats, names)"]
HEADER += ["MEMORY USAGE/entry, last stream", "MEMORY USAGE/entry, all stream (length)"]


def finished_row(kind: str, label: str, names: list[str]) -> list[object]:
    f = measure(names, kind)
    n = len(names)
    return [
        kind,
        label,
        f"{f['json']:,.0f}",
        per(f["total"], n),
        per(f["per-schedule streams"], n),
        per(f["all-schedules stream"], n),
        per(f["run hashes / task-id pointers"], n),
        per(f["rest"], n),
        f"{f['stream usage']:,.0f}",
        f"{f['all usage']:,.0f} ({f['all length']:,.0f})",
    ]


def report(records: int) -> None:
    rows = [
        finished_row(kind, label, names)
        for kind in ("succeeded", "failed")
        for label, names in layouts(records)
    ]
    print(common.table(HEADER, rows))
    print()
    f = measure([f"fire_{i:06d}" for i in range(records)], "sent")
    groups = [g for g, _ in GROUPS[2:]]
    header = ["fires in progress", "JSON bytes", "used_memory Δ B/fire", *groups]
    row = [f"{records:,} (one per schedule)", f"{f['json']:,.0f}", per(f["total"], records)]
    print(common.table(header, [row + [per(f[g], records) for g in groups]]))
