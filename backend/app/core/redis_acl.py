"""The Redis ACL each component needs, for a least-privilege Redis user per component.

`acl_rules("worker")` is the argument list of `ACL SETUSER <user> on ><password> ...`:
every command and key the component uses and nothing else (`-@all` first).
tests/integration/test_redis_auth.py runs the API, a worker, Beat and the CLI each as
its own user with exactly these rules and shows nothing is refused (`ACL LOG` stays
empty) while a schedule created through the API fires and is recorded; docs/security.md
prints them.

Why each part:
- every component runs our Lua scripts (EVALSHA, loaded with SCRIPT LOAD on first use);
  Redis checks the commands inside a script against the caller's ACL too, so the
  scripts' commands are in every list (STORE);
- the API and the CLI are one role: both change schedules through ScheduleService, send
  a "run now" to the broker and may ping the workers (status with a ping);
- Beat sends due tasks (a producer, no results) and waits on its wake list (BLPOP); the
  leader subscribes to the keyspace channels of RedBeat's due index and of its probe key
  (app/beat/notifications.py) and relays their events to that list (RPUSH);
- the worker consumes the queues, keeps Celery's unacked bookkeeping, stores results,
  sends events (-E) and answers control pings; its main process also reads the alert
  streams through a consumer group.
"""

from __future__ import annotations

from typing import Literal

from app.core.constants import (
    BEAT_PICKUP_PROBE_KEY,
    OWN_PREFIX,
    REDBEAT_PREFIX,
    REDBEAT_SCHEDULE_KEY,
)

Component = Literal["api", "cli", "beat", "worker"]
COMPONENTS: tuple[Component, ...] = ("api", "cli", "beat", "worker")

# The connection itself: HELLO (redis-py's handshake, with AUTH in it), PING for health
# checks, SELECT for a database other than 0.
CONNECTION = ("hello", "ping", "select")
# redis-py pipelines with WATCH (optimistic writes) and MULTI/EXEC.
TRANSACTIONS = ("multi", "exec", "discard", "watch", "unwatch")
# Our Lua scripts (and redis-py's lock release, which kombu uses for `unacked_mutex`).
SCRIPTS = ("evalsha", "script|load", "script|exists")
# The schedule store: what its Python code and its Lua scripts call.
STORE = (
    "get", "mget", "set", "del", "exists", "expire", "pexpire", "pttl", "persist", "incr", "time",
    "hget", "hmget", "hgetall", "hexists", "hset", "hdel", "hincrby",
    "zadd", "zrem", "zscore", "zmscore", "zcard", "zcount", "zrange", "zrangebyscore", "zrevrange",
    "zrevrangebyscore", "zremrangebyscore",
    "sadd", "srem", "sismember", "scard",
    "xadd", "xtrim", "xrange", "xrevrange", "xlen",
    "lpush", "ltrim",
)  # fmt: skip
# Beat's wait for a writer's wake-up between passes; its listener for RedBeat's own saves
# subscribes to keyspace events and relays them to the wake list.
BEAT_WAIT = ("blpop", "subscribe", "rpush")
# Alerts (the worker's main process): the run and alert streams through consumer groups.
ALERT_GROUPS = (
    "xreadgroup", "xack", "xclaim", "xpending", "xgroup|create", "xgroup|delconsumer",
    "xinfo|consumers",
)  # fmt: skip
# kombu sending a task: declare the queue's binding, push the message, queue lengths.
PRODUCER = ("lpush", "llen", "sadd", "smembers")
# Celery's result consumer subscribes to a sent task's result channel; control pings
# wait for replies on a reply list.
CALLER = ("subscribe", "unsubscribe", "publish", "brpop", "del")
# kombu consuming: BRPOP the queues, the unacked hash/index/mutex, fanout (events and
# control) over PUBLISH/PSUBSCRIBE; Celery storing results (SETEX) and announcing them.
CONSUMER = (
    "brpop", "rpush", "lpush", "llen", "sadd", "srem", "smembers",
    "publish", "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "setex",
)  # fmt: skip

# Key patterns. kombu's priority lists are `<queue>\x06\x16<step>` (steps 3, 6, 9).
PRIORITY_SEPARATOR = "\x06\x16"
OWN_KEYS = (f"{REDBEAT_PREFIX}*", f"{OWN_PREFIX}*")
KOMBU_BINDINGS = "_kombu.*"
# Control (pidbox): a worker's own mailbox `<hostname>.celery.pidbox`, and the lists
# replies come back on, `<uuid>.reply.celery.pidbox`.
PIDBOX_REPLIES = "*.reply.celery.pidbox*"
PIDBOX = "*.celery.pidbox*"
UNACKED = "unacked*"
RESULTS = "celery-task-meta-*"
# The queue a worker's gossip reads other workers' events from, `celeryev.<uuid>`.
EVENT_QUEUES = "celeryev.*"
# Pub/sub channels of kombu's fanout exchanges, `/<db>.<exchange>...`. Redis grants a
# PSUBSCRIBE only to a rule equal to its pattern, so the patterns the worker subscribes
# to (control and gossip) are listed as they are, beside the events it publishes.
EVENT_CHANNELS = ("/{db}.celeryev/*", "/{db}.celeryev/worker.*")
CONTROL_CHANNEL = "/{db}.celery.pidbox"
# Keyspace events Beat listens to: RedBeat's due index, and the probe that tells whether
# Redis sends any (`__keyspace@<db>__:<key>`).
KEYSPACE_CHANNELS = tuple(
    "__keyspace@{db}__:" + key for key in (REDBEAT_SCHEDULE_KEY, BEAT_PICKUP_PROBE_KEY)
)

COMMANDS: dict[Component, tuple[str, ...]] = {
    "api": CONNECTION + TRANSACTIONS + SCRIPTS + STORE + PRODUCER + CALLER,
    "cli": CONNECTION + TRANSACTIONS + SCRIPTS + STORE + PRODUCER + CALLER,
    "beat": CONNECTION + TRANSACTIONS + SCRIPTS + STORE + PRODUCER + BEAT_WAIT,
    "worker": CONNECTION + TRANSACTIONS + SCRIPTS + STORE + ALERT_GROUPS + CONSUMER,
}


def queue_keys(queues: tuple[str, ...]) -> tuple[str, ...]:
    """Each queue's list and its priority lists (not `<queue>*`, which for `celery`
    would take in every task's result too)."""
    return tuple(key for q in queues for key in (q, f"{q}{PRIORITY_SEPARATOR}?"))


def acl_rules(
    component: Component, queues: tuple[str, ...] = ("celery",), db: int = 0
) -> list[str]:
    """`ACL SETUSER` rules for `component` (after `on >password`); `queues`: the
    Celery queues it sends to or consumes (each schedule's `options.queue`, and the
    worker's -Q); `db`: REDIS_URL's database number, part of kombu's channel names."""
    keys = [*OWN_KEYS, *queue_keys(queues), KOMBU_BINDINGS]
    channels: list[str] = []
    if component in ("api", "cli"):
        # A ping's reply consumer restores unacked messages when it closes, under the mutex.
        keys += [PIDBOX_REPLIES, UNACKED]
        channels += [RESULTS, CONTROL_CHANNEL.format(db=db)]
    if component == "beat":
        channels += [channel.format(db=db) for channel in KEYSPACE_CHANNELS]
    if component == "worker":
        keys += [UNACKED, RESULTS, PIDBOX, EVENT_QUEUES]
        channels += [RESULTS, CONTROL_CHANNEL.format(db=db)]
        channels += [channel.format(db=db) for channel in EVENT_CHANNELS]
    commands = sorted(set(COMMANDS[component]))
    return [
        "resetkeys",
        "resetchannels",
        "-@all",
        *(f"+{name}" for name in commands),
        *(f"~{pattern}" for pattern in keys),
        *(f"&{channel}" for channel in channels),
    ]
