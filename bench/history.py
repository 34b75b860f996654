"""What run history costs: Beat's dispatch throughput with history on and off, and
Redis bytes per record.

Throughput (`--sizes`): rounds of our Beat with history on (the default) and with
`HISTORY_ENABLED=false`, in alternating order (on, off; then off, on; ...), and stock
RedBeat once per round, each on a fresh redis-server, exactly as throughput.py runs
them: N plain interval entries due at one moment, no worker. Their overlap policy is
the default `skip`, but the entries are fresh (nothing in progress), so every fire is
sent; with history on each one is taken into progress in Beat's commit (run hash,
in-flight zset, leases zset). Reported per run: fires/s, Beat CPU per fire, Redis
time inside the commit script (EVALSHA) per fire, commands per fire, fires left in
progress, used_memory growth per fire (the queued messages included, both sides).

Passes (`--passes R`, `--profile`): Beat's dispatch passes run in this process, R
runs of each side alternating, and cProfile of one each; see history_pass.py.

Memory (`--records`): see history_memory.py.

    .venv/bin/python -m bench.history [--sizes 10000] [--rounds 3] [--records 10000]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Iterable

from bench import common, history_memory, history_pass, throughput
from bench.common import Side
from bench.throughput import Run

HISTORY_ON = Side("ours, history on", stock=False)
HISTORY_OFF = Side("ours, history off", stock=False, env={"HISTORY_ENABLED": "false"})
SIDES = [HISTORY_ON, HISTORY_OFF]


def order(round_no: int) -> list[Side]:
    """On first in odd rounds, off first in even ones."""
    return [HISTORY_ON, HISTORY_OFF] if round_no % 2 else [HISTORY_OFF, HISTORY_ON]


def script_usec(run: Run) -> float:
    """Redis time inside Beat's commit script, µs per fire."""
    return (run.usec.get("evalsha", 0) + run.usec.get("eval", 0)) / run.size


def row(round_no: int, run: Run) -> list[object]:
    return [
        round_no,
        run.side.label,
        f"{run.size:,}",
        f"{run.last:.2f}",
        f"{run.fires_per_second:,.0f}",
        f"{run.cpu / run.size * 1e6:.0f}",
        f"{run.redis_cpu:.2f}",
        f"{script_usec(run):.1f}",
        f"{run.commands / run.size:.2f}",
        f"{run.in_progress:,}",
        f"{run.memory / run.size:,.0f}",
        f"{run.sent:,}",
    ]


HEADER = [
    "round",
    "Beat",
    "N",
    "last sent, s after due",
    "fires/s",
    "Beat CPU µs/fire",
    "Redis CPU s",
    "commit script µs/fire",
    "commands/fire",
    "in progress at end",
    "used_memory Δ B/fire",
    "messages",
]


def mean(values: Iterable[float]) -> float:
    return statistics.fmean(list(values))


def summary(size: int, runs: list[tuple[int, Run]]) -> list[list[object]]:
    """Per side: mean and range of fires/s and CPU; then on/off of the means and of
    each round's pair."""
    of = {
        s.label: [r for _, r in runs if r.side.label == s.label and r.size == size] for s in SIDES
    }
    rows: list[list[object]] = []
    for label, group in of.items():
        if not group:
            continue
        fps = [r.fires_per_second for r in group]
        rows.append(
            [
                label,
                f"{size:,}",
                len(group),
                f"{mean(fps):,.0f}",
                f"{min(fps):,.0f}–{max(fps):,.0f}",
                f"{mean(r.cpu / r.size * 1e6 for r in group):.0f}",
                f"{mean(script_usec(r) for r in group):.1f}",
            ]
        )
    return rows


def ratios(size: int, runs: list[tuple[int, Run]]) -> list[list[object]]:
    """on/off in each round (the pair ran back to back), and of the means."""
    rounds = sorted({n for n, r in runs if r.size == size})
    rows: list[list[object]] = []
    on_all, off_all = [], []
    for n in rounds:
        pair = {r.side.label: r for m, r in runs if m == n and r.size == size}
        on, off = pair.get(HISTORY_ON.label), pair.get(HISTORY_OFF.label)
        if on is None or off is None:
            continue
        on_all.append(on)
        off_all.append(off)
        stock = next((r for label, r in pair.items() if label.startswith("stock")), None)
        rows.append([f"{size:,}", n, *pair_ratios(on, off, stock)])
    if on_all:
        rows.append([f"{size:,}", "mean", *mean_ratios(on_all, off_all)])
    return rows


def pair_ratios(on: Run, off: Run, stock: Run | None) -> list[str]:
    vs_stock = [
        common.ratio(r.fires_per_second, stock.fires_per_second) if stock else "-"
        for r in (on, off)
    ]
    return [
        common.ratio(on.fires_per_second, off.fires_per_second),
        common.ratio(on.cpu / on.size, off.cpu / off.size),
        *vs_stock,
    ]


def mean_ratios(on: list[Run], off: list[Run]) -> list[str]:
    fps_on, fps_off = mean(r.fires_per_second for r in on), mean(r.fires_per_second for r in off)
    cpu_on, cpu_off = mean(r.cpu / r.size for r in on), mean(r.cpu / r.size for r in off)
    return [common.ratio(fps_on, fps_off), common.ratio(cpu_on, cpu_off), "-", "-"]


def run_throughput(args: argparse.Namespace) -> None:
    runs: list[tuple[int, Run]] = []
    stock_side = common.stock_side(args.stock_interval)
    for size in args.sizes:
        for n in range(1, args.rounds + 1):
            for side in order(n):
                runs.append((n, throughput.run_one(side, size, args.lead, args.timeout)))
            if not args.no_stock:
                runs.append((n, throughput.run_one(stock_side, size, args.lead, args.timeout)))
    print(common.table(HEADER, (row(n, r) for n, r in runs)))
    print()
    print(
        common.table(
            ["Beat", "N", "runs", "fires/s mean", "fires/s range", "CPU µs/fire", "script µs/fire"],
            (line for size in args.sizes for line in summary(size, runs)),
        )
    )
    print()
    print(
        common.table(
            ["N", "round", "fires/s on/off", "CPU/fire on/off", "on/stock", "off/stock"],
            (line for size in args.sizes for line in ratios(size, runs)),
        )
    )
    print()
    largest = [r for _, r in runs if r.size == max(args.sizes) and not r.side.stock]
    seen = {r.side.label: r for r in largest}  # the last run of each side
    print(
        common.table(
            ["Beat", "N", "Redis commands per fire"],
            ([r.side.label, f"{r.size:,}", throughput.breakdown(r)] for r in seen.values()),
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=common.ints, default=[200], help="0: no throughput")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-stock", action="store_true", help="leave stock RedBeat out")
    parser.add_argument("--stock-interval", type=float, default=common.STOCK_DEFAULT_INTERVAL)
    parser.add_argument("--lead", type=float, default=12.0, help="seconds before D, plus N/15000")
    parser.add_argument("--timeout", type=float, default=600.0, help="per run, after D")
    parser.add_argument("--passes", type=int, default=0, help="in-process runs of each side")
    parser.add_argument("--pass-size", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="profile one pass of each side")
    parser.add_argument("--records", type=int, default=400, help="0: no memory figures")
    args = parser.parse_args()
    args.sizes = [s for s in args.sizes if s > 0]
    if args.sizes:
        run_throughput(args)
        print()
    if args.passes or args.profile:
        history_pass.report(args.pass_size, args.passes, args.profile)
        print()
    if args.records:
        history_memory.report(args.records)


if __name__ == "__main__":
    main()
