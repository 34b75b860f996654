"""Counts the Redis requests a benchmarked process writes (loaded through PYTHONPATH).

Active only when BENCH_RT_FILE is set. Every request redis-py writes, whether a single
command, a whole pipeline or a script call, goes through one `send_packed_command`
call, so the count is the number of request round trips (a SUBSCRIBE, which Celery
sends without waiting for its reply, counts as one too). The count is written to
BENCH_RT_FILE within 0.1 s of changing, by a daemon thread: one integer increment per
request and a wake-up every 0.1 s are all the measured process pays.
"""

from __future__ import annotations

import os
import threading
import time

_FILE = os.environ.get("BENCH_RT_FILE")


def _install(path: str) -> None:
    from redis.connection import AbstractConnection

    count = [0]
    original = AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):  # type: ignore[no-untyped-def]
        count[0] += 1
        return original(self, command, check_health)

    AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]

    def flush() -> None:
        written = -1
        while True:
            if count[0] != written:  # an idle process must not pay for the file writes
                written = count[0]
                with open(path + ".tmp", "w") as out:
                    out.write(f"{written}\n")
                os.replace(path + ".tmp", path)  # readers never see a half-written file
            time.sleep(0.1)

    threading.Thread(target=flush, name="bench-rtcount", daemon=True).start()


if _FILE:
    _install(_FILE)
