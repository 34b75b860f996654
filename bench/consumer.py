"""A stand-in worker that only records when each Beat message reached the broker queue.

Blocks on the `celery` list (BRPOP wakes as soon as a message lands), then takes
whatever else is queued in one MULTI (LRANGE + DEL), so a burst costs it two round
trips. Each message is stamped with the time it was taken, which is at most one
drain after it was pushed. The entry a message belongs to is the first task argument
(bench/load.py's `anchored_at` puts its index there). Prints a JSON list of
[arrival epoch seconds, index]. Usage:

    python -m bench.consumer REDIS_URL --expect N --timeout SECONDS
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time

from redis import Redis

QUEUE = "celery"


def index_of(raw: bytes | str) -> int:
    body = json.loads(base64.b64decode(json.loads(raw)["body"]))
    return int(body[0][0])


def consume(redis: Redis, expect: int, timeout: float) -> list[tuple[float, int]]:
    seen: list[tuple[float, int]] = []
    end = time.time() + timeout
    while len(seen) < expect and time.time() < end:
        popped = redis.brpop([QUEUE], timeout=max(0.01, min(1.0, end - time.time())))
        if not popped:
            continue
        now = time.time()
        seen.append((now, index_of(popped[1])))
        with redis.pipeline(transaction=True) as pipe:
            pipe.lrange(QUEUE, 0, -1)
            pipe.delete(QUEUE)
            rest, _ = pipe.execute()
        now = time.time()
        seen += [(now, index_of(raw)) for raw in rest]
    return seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    args = parser.parse_args()
    redis = Redis.from_url(args.url, socket_timeout=30)
    print("ready", file=sys.stderr, flush=True)
    json.dump(consume(redis, args.expect, args.timeout), sys.stdout)


if __name__ == "__main__":
    main()
