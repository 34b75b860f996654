"""What counting metrics costs the run-history scripts: Redis time per script call with
the metrics' counters (count_record, count_run in store/_run_scripts.py) and without
them (the same scripts with those two calls taken out), alternating round by round on
one fresh redis-server.

Per fire it times, server side (INFO commandstats, µs of EVALSHA per call, which
includes the commands a script runs): Beat's commit of a fire that is skipped (the
record and its counter), and the worker's FINISH_RUN (record, stats, counters and two
histogram observations). Beat's commit of a fire that is sent writes no counter, so it
is not shown. Best of each round's medians, µs per call.

    .venv/bin/python -m bench.metrics_cost [--fires 2000] [--rounds 6]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property

from redis import Redis
from redis.commands.core import Script

from app.schedules import FireArgs, RunRecord, ScheduleStore
from app.schedules.entry import encode_meta, encode_slot
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec
from app.schedules.store import _run_scripts as scripts
from bench import common, load

TASK = "app.tasks.maintenance.health_check"
# The two calls that feed the metrics, as they appear in the scripts.
# What is not a script's own command in INFO commandstats: the calls themselves and
# the reads this bench makes around them.
SELF = {"cmdstat_evalsha", "cmdstat_info", "cmdstat_hmget", "cmdstat_hgetall", "cmdstat_ping"}
METRIC_CALLS = ("  count_record(limits, name, rec)\n", "  count_run(name, outcome, duration)\n")


@dataclass(frozen=True)
class Step:
    """One entry's part of Beat's commit (the store's FireCommit)."""

    key: str
    revision: str
    score: float
    meta: str
    slot: str
    fire: FireArgs | None


def without_metrics(source: str) -> str:
    for call in METRIC_CALLS:
        assert call in source, "the scripts changed: update METRIC_CALLS"
        source = source.replace(call, "")
    return source


class PlainStore(ScheduleStore):
    """The same store, its history scripts without the metrics' counters."""

    @cached_property
    def _commit_fires(self) -> Script:
        return self.redis.register_script(without_metrics(scripts.COMMIT_FIRES))

    def _script(self, source: str) -> Script:
        return self.redis.register_script(without_metrics(source))


def commit(store: ScheduleStore, name: str, slot: float, task_id: str) -> int:
    entry = store.get(name)
    assert entry is not None
    now = time.time()
    rec = RunRecord(name, f"f-{slot}", TASK, slot, "sent", task_id=task_id, sent_at=now)
    fire = FireArgs("skip", name, task_id, now + 3600, 0, "", rec.to_json())
    sent = datetime.fromtimestamp(now, UTC)
    served = encode_slot(datetime.fromtimestamp(slot, UTC), sent)
    step = Step(entry_key(name), entry.revision, slot + 1, encode_meta(sent, 1), served, fire)
    codes = store.commit_fires("bench", [step], now)
    assert codes is not None
    return codes[0]


def start(store: ScheduleStore, task_id: str) -> RunRecord:
    state = store.run_state(task_id)
    assert state is not None
    started = time.time()
    rec = replace(state.record, outcome="running", started_at=started, worker="w")
    store.start_run(task_id, rec, "", started + 60, started)
    return replace(rec, outcome="succeeded", finished_at=started + 0.5)


def evalsha_usec(redis: Redis) -> tuple[int, int, int]:
    """(µs in EVALSHA, EVALSHA calls, commands the scripts ran) since start."""
    info = redis.info("commandstats")
    stats = info.get("cmdstat_evalsha", {})
    inner = sum(int(v["calls"]) for k, v in info.items() if k not in SELF)
    return int(stats.get("usec", 0)), int(stats.get("calls", 0)), inner


def per_call(
    redis: Redis, work: list[tuple[ScheduleStore, str, float]], phase: str
) -> tuple[float, float]:
    """Server µs and commands run per EVALSHA of `phase` (skip: one commit; finish: the
    run's end)."""
    total_usec = calls = commands = 0
    for store, name, slot in work:
        task_id = f"{name}-{slot}"
        if phase == "skip":
            before = evalsha_usec(redis)
            commit(store, name, slot + 0.5, task_id + "-x")
        else:
            end = start(store, task_id)
            before = evalsha_usec(redis)
            store.finish_run(task_id, end, "")
        after = evalsha_usec(redis)
        total_usec += after[0] - before[0]
        calls += after[1] - before[1]
        commands += after[2] - before[2]
    return total_usec / max(calls, 1), commands / max(calls, 1)


# The metrics' helpers alone, N times in one script call: µs per call without the
# script call's own overhead or the history's writes around them.
HELPERS = """
local limits = cjson.decode(ARGV[2])
local n, rec, skipped = tonumber(ARGV[1]), ARGV[3], ARGV[4]
local t0 = redis.call('TIME')
for i = 1, n do
  count_record(limits, 'bench', rec)
  count_run('bench', 'succeeded', 0.5)
end
local t1 = redis.call('TIME')
for i = 1, n do count_record(limits, 'bench', skipped) end
local t2 = redis.call('TIME')
local function us(a, b) return (b[1] - a[1]) * 1e6 + (b[2] - a[2]) end
return {tostring(us(t0, t1) / n), tostring(us(t1, t2) / n)}
"""


def helpers_cost(redis: Redis, store: ScheduleStore, calls: int = 20000) -> tuple[float, float]:
    """(µs for a run's end: count_record + count_run, µs for a skip's count_record)."""
    now = time.time()
    rec = RunRecord("bench", "f", TASK, now, "succeeded", task_id="t" * 36, sent_at=now)
    rec = replace(rec, started_at=now + 0.01, finished_at=now + 0.5, worker="w@host")
    skipped = replace(rec, outcome="skipped", reason="overlap", started_at=None)
    limits = store.history_limits.as_json()
    script = scripts._lua(HELPERS)
    ran, skip = redis.eval(script, 0, calls, limits, rec.to_json(), skipped.to_json())
    return float(ran), float(skip)


def round_of(store: ScheduleStore, redis: Redis, fires: int, base: float) -> dict[str, float]:
    names = [f"m{i}" for i in range(fires)]
    slots = [base + i * 0.001 for i in range(fires)]
    for name, slot in zip(names, slots, strict=True):
        code = commit(store, name, slot, f"{name}-{slot}")
        assert code == 2, code  # sent, now in progress
    work = [(store, n, s) for n, s in zip(names, slots, strict=True)]
    skip, skip_commands = per_call(redis, work, "skip")
    done, done_commands = per_call(redis, work, "finish")
    return {"skip": skip, "finish": done, "skip_n": skip_commands, "finish_n": done_commands}


def run(fires: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {"on": {}, "off": {}}
    with common.redis_server() as server:
        redis = common.client(server)
        app = load.celery_app()
        stores = {"on": ScheduleStore(redis, app, load.TIMEZONE)}
        stores["off"] = PlainStore(redis, app, load.TIMEZONE)
        for i in range(fires):
            stores["on"].save(f"m{i}", parse_spec({"task": TASK, "interval": 3600}))
        stores["on"].beats.claim("bench", "bench", "{}", 3600)
        begin = time.time()
        for r in range(rounds):
            for i, side in enumerate(("on", "off") if r % 2 == 0 else ("off", "on")):
                base = begin + (2 * r + i) * 100  # later each time: a slot is served once
                for phase, us in round_of(stores[side], redis, fires, base).items():
                    results[side].setdefault(phase, []).append(us)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fires", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    results = run(args.fires, args.rounds)
    rows = []
    for phase, label in (("skip", "Beat commit, fire skipped"), ("finish", "FINISH_RUN")):
        on, off = min(results["on"][phase]), min(results["off"][phase])
        spread = statistics.median(results["on"][phase]) - statistics.median(results["off"][phase])
        n_on, n_off = results["on"][phase + "_n"][-1], results["off"][phase + "_n"][-1]
        rows.append(
            [label, f"{n_off:.1f}", f"{n_on:.1f}"]
            + [f"{off:.1f}", f"{on:.1f}", f"{on - off:+.1f}", f"{spread:+.1f}"]
        )
    print(f"Redis µs per script call, {args.fires:,} fires per round, {args.rounds} rounds")
    print()
    header = ["script", "commands without", "commands with", "µs without (best)"]
    header += ["µs with (best)", "added (best)", "added (medians)"]
    print(common.table(header, rows))
    with common.redis_server() as server:
        redis = common.client(server)
        ran, skip = helpers_cost(redis, ScheduleStore(redis, load.celery_app(), load.TIMEZONE))
    print()
    print(
        f"The counting alone, in a loop inside one script: {ran:.1f} µs for a run's end "
        f"(count_record + count_run), {skip:.1f} µs for a skipped fire's count_record."
    )


if __name__ == "__main__":
    main()
