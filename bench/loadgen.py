"""HTTP load generator for api_load.py: C concurrent clients repeating one call.

Runs in its own process (so its CPU is not the API's), with C keep-alive HTTP/1.1
connections written and read directly on asyncio streams: an httpx client with 50
connections used a whole core by itself on the 2-core machine, which capped what it
could measure. Prints one JSON object: calls answered, errors (HTTP status >= 300 or a
broken connection, by kind), elapsed seconds, latencies of the answered calls (p50,
p99, max, in ms) and, for create, the names it made (for the delete phase). Usage:

    python -m bench.loadgen BASE_URL OP --concurrency C --duration S --names FILE [--tag T]

Created names are `<tag>_<n>` (by default `load_c<C>`): runs against one Redis that
create must not collide give each its own tag.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

BASE = "/api/scheduler/schedule"
TASK = "app.tasks.maintenance.health_check"
OPS = ("list", "get", "create", "update", "delete")


def request(op: str, name: str) -> tuple[str, str, dict[str, Any] | None]:
    path = f"{BASE}/{quote(name, safe='')}"
    if op == "list":
        return "GET", BASE, None
    if op == "get":
        return "GET", path, None
    if op == "create":
        return "POST", BASE, {"name": name, "task": TASK, "interval": 3600}
    if op == "update":
        return "PUT", path, {"minute": str(random.randrange(60))}
    return "DELETE", path, None


class Connection:
    """One keep-alive HTTP/1.1 connection; the API answers with a Content-Length."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(self, method: str, path: str, body: dict[str, Any] | None) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            key, _, value = line.decode("latin-1").partition(":")
            if key.strip().lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = None


async def worker(
    conn: Connection, op: str, names: Iterator[str], end: float, out: dict[str, Any]
) -> None:
    while time.monotonic() < end:
        try:
            name = next(names)
        except StopIteration:
            return  # the delete phase ran out of names to delete
        method, path, body = request(op, name)
        started = time.perf_counter()
        try:
            status = await conn.call(method, path, body)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            conn.close()  # reconnect on the next call
            count(out, type(exc).__name__)
            continue
        out["latency"].append(time.perf_counter() - started)
        if status >= 300:
            count(out, str(status))
        elif op == "create":
            out["created"].append(name)


def count(out: dict[str, Any], kind: str) -> None:
    out["errors"] += 1
    out["kinds"][kind] = out["kinds"].get(kind, 0) + 1


def name_source(op: str, names: list[str], tag: str) -> Iterator[str]:
    if op == "create":
        return (f"{tag}_{i:07d}" for i in itertools.count())
    if op == "delete":
        return iter(names)
    return (random.choice(names) for _ in itertools.count())


async def run(
    base: str, op: str, concurrency: int, duration: float, names: list[str], tag: str
) -> dict[str, Any]:
    out: dict[str, Any] = {"latency": [], "errors": 0, "kinds": {}, "created": []}
    url = urlsplit(base)
    conns = [Connection(url.hostname or "127.0.0.1", url.port or 80) for _ in range(concurrency)]
    source = name_source(op, names, tag)
    started = time.monotonic()
    end = started + duration
    await asyncio.gather(*(worker(c, op, source, end, out) for c in conns))
    elapsed = time.monotonic() - started
    for conn in conns:
        conn.close()
    ms = sorted(x * 1000 for x in out["latency"])
    return {
        "calls": len(ms),
        "errors": out["errors"],
        "error_kinds": out["kinds"],
        "elapsed": elapsed,
        "p50": ms[len(ms) // 2] if ms else None,
        "p99": ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))] if ms else None,
        "max": ms[-1] if ms else None,
        "created": out["created"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("op", choices=OPS)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--names", type=Path, required=True, help="one name a line")
    parser.add_argument("--tag", help="created names start with it (default: load_c<C>)")
    args = parser.parse_args()
    names = [n for n in args.names.read_text().splitlines() if n]
    tag = args.tag or f"load_c{args.concurrency}"
    result = asyncio.run(run(args.base, args.op, args.concurrency, args.duration, names, tag))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
