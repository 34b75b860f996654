"""50 clients editing the same three schedules at once through the real API.

./run_api.sh with two uvicorn processes (API_WORKERS=2, so writes race across processes,
not only across threads of one) on a real redis-server, and Beat firing the schedules
every second meanwhile (its commits write the same hashes). Some clients increment a
counter kept in the schedule's kwargs by read-modify-write with If-Match, retrying on
412; the others, at the same time, PATCH the description, PUT the interval, and pause
and resume, all without If-Match (the API merges those into whatever is current).

Then: no lost update (each counter equals the increments that got a 2xx), no corrupted
entry (each reads through the API, through our codec and through RedBeat's own, and its
ETag is the hash of what Redis holds), and every answer was a 2xx or a 412 with a body
naming If-Match, never a 5xx.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from redbeat.schedulers import RedBeatSchedulerEntry
from redis import Redis

from app.core.constants import REDBEAT_SCHEDULE_KEY
from app.schedules.entry import etag_of
from app.schedules.keys import entry_key
from app.schedules.store import ScheduleStore
from tests.integration.conftest import Stack

BASE = "/api/scheduler/schedule"
TASK = "app.tasks.maintenance.cleanup_old_data"  # `days` (1..3650) holds the counter
NAMES = ("edit-a", "edit-b", "편집-c")
CLIENTS = 50
INCREMENTERS = 15  # the rest edit other fields
INCREMENTS_EACH = 5
ATTEMPTS_EACH = 60  # an incrementer gives up after this many 412s (counted, not failed)
EDITS_EACH = 6


@dataclass
class Tally:
    """What the clients saw, merged under a lock."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    increments: Counter[str] = field(default_factory=Counter)
    refusals: list[tuple[str, int, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, kind: str, status: int, body: Any) -> None:
        with self.lock:
            self.statuses[kind, status] += 1
            if status >= 300:
                self.refusals.append((kind, status, body))


class Client:
    """One keep-alive HTTP/1.1 connection, as a script or the CLI would hold."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)

    def call(
        self, method: str, path: str, body: Any = None, if_match: str | None = None
    ) -> tuple[int, dict[str, str], Any]:
        headers = {"Content-Type": "application/json"}
        if if_match is not None:
            headers["If-Match"] = if_match
        data = None if body is None else json.dumps(body)
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        text = response.read()
        return response.status, dict(response.getheaders()), json.loads(text)

    def close(self) -> None:
        self.conn.close()


def path(name: str, action: str = "") -> str:
    return f"{BASE}/{quote(name, safe='')}{action}"


def increment(client: Client, tally: Tally, rng: random.Random) -> None:
    done = 0
    for _ in range(ATTEMPTS_EACH):
        if done == INCREMENTS_EACH:
            return
        name = rng.choice(NAMES)
        status, headers, body = client.call("GET", path(name))
        tally.saw("get", status, body)
        if status != 200:
            continue
        kwargs = {**body["kwargs"], "days": body["kwargs"]["days"] + 1}
        status, _, answer = client.call(
            "PATCH", path(name), {"kwargs": kwargs}, if_match=headers["etag"]
        )
        tally.saw("increment", status, answer)
        if status == 200:
            done += 1
            with tally.lock:
                tally.increments[name] += 1


def edit(client: Client, tally: Tally, rng: random.Random, who: int) -> None:
    for i in range(EDITS_EACH):
        name = rng.choice(NAMES)
        kind = ("describe", "retime", "pause", "resume")[(who + i) % 4]
        if kind == "describe":
            status, _, body = client.call(
                "PATCH", path(name), {"description": f"client {who} edit {i}"}
            )
        elif kind == "retime":
            status, _, body = client.call("PUT", path(name), {"interval": rng.randint(1, 3)})
        else:
            status, _, body = client.call("POST", path(name, f"/{kind}"))
        tally.saw(kind, status, body)


def run_clients(base_url: str, tally: Tally) -> None:
    start = threading.Barrier(CLIENTS)

    def one(who: int) -> None:
        client = Client(base_url)
        rng = random.Random(who)
        start.wait()
        try:
            if who < INCREMENTERS:
                increment(client, tally, rng)
            else:
                edit(client, tally, rng, who)
        finally:
            client.close()

    with ThreadPoolExecutor(CLIENTS) as pool:
        for future in [pool.submit(one, who) for who in range(CLIENTS)]:
            future.result()


def check_entry(name: str, redis: Redis, store: ScheduleStore, client: Client) -> int:
    """The entry reads and decodes every way, and its ETag is that of what Redis holds;
    returns its counter."""
    status, headers, body = client.call("GET", path(name))
    assert status == 200, body
    definition, meta, manager = redis.hmget(entry_key(name), ["definition", "meta", "manager"])
    assert headers["etag"] == f'"{etag_of(definition, manager)}"'
    stored = store.get(name)
    assert stored is not None and stored.etag == etag_of(definition, manager)
    stock = RedBeatSchedulerEntry.decode_definition(definition)
    RedBeatSchedulerEntry.decode_meta(meta)
    assert stock["name"] == name and stock["task"] == TASK
    assert stock["kwargs"] == body["kwargs"] == stored.kwargs
    assert redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key(name)) is not None
    days: int = body["kwargs"]["days"]
    return days


def test_fifty_clients_editing_three_schedules_lose_nothing(
    stack: Stack, redis: Redis, store: ScheduleStore
) -> None:
    beat = stack.start("run_celery_beat.sh", "beat")
    base_url = stack.api(API_WORKERS="2")
    beat.wait_for_log("beat: Starting...")
    setup = Client(base_url)
    for name in NAMES:
        status, _, body = setup.call(
            "POST", BASE, {"name": name, "task": TASK, "interval": 1, "kwargs": {"days": 1}}
        )
        assert status == 201, body

    tally = Tally()
    run_clients(base_url, tally)

    # Every answer a 2xx, or a 412 that says why (a stale If-Match) and names it. A
    # write without If-Match is merged into whatever is current however often it loses
    # the race, so it never gets a 412 for a version it never named.
    assert {status for _, status in tally.statuses} <= {200, 412}, tally.refusals[:5]
    for kind, status, body in tally.refusals:
        assert (kind, status) == ("increment", 412), (kind, status, body)
        assert body["error"] == "stale" and body["detail"][0]["field"] == "If-Match"
    # The race was real: some read-modify-writes lost it and were refused.
    assert tally.statuses["increment", 412] > 0
    edits = sum(n for (kind, _), n in tally.statuses.items() if kind not in ("get", "increment"))
    assert edits == (CLIENTS - INCREMENTERS) * EDITS_EACH

    for name in NAMES:
        assert check_entry(name, redis, store, setup) == 1 + tally.increments[name], name
    setup.close()
    assert sum(tally.increments.values()) == INCREMENTERS * INCREMENTS_EACH
    assert beat.popen.poll() is None
