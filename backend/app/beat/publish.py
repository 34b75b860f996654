"""Beat's lean publishing: Celery's task message, built here, queued by the commit.

Why: `app.send_task` costs Beat well over 100 µs a message (routing through layered
config lookups, kombu's generic prepare/publish/exchange-lookup layers), which at a
burst of 100,000 due entries is most of Beat's time. Here the same message is built
from Celery's and kombu's own pieces (`saferepr` for the reprs, kombu's JSON `dumps`,
the channel's body encoding, delivery tag and priority list) and LPUSHed the way
kombu's Redis transport pushes it; tests/unit/beat/test_publish.py compares the bytes
with what `send_task` pushes, for every option a schedule can carry. The message is
built before the batch is committed and the store's commit pushes it, in the same
script call, only for the fires it records as sent (`ScheduleStore.commit_fires`):
the broker is the store's Redis, and a Beat killed between a commit and a publish
would otherwise leave fires recorded sent that never reach a worker.

It is used only where that holds. For the whole Beat (`LeanPublisher.refusal`): the
broker is Redis, the very one the store uses, with no key prefix; messages are
protocol 2 in JSON, uncompressed, without sent events; no `task_routes` (a router may
send a task anywhere); no receiver connected to `before_task_publish` or
`after_task_publish` (hooks that expect to see each message).
Per fire (`LeanPublisher.message` returns None): options other than queue, priority
and expires; a queue whose exchange is not direct or which expires (x-expires); a task
with execution options of its own (its class's `queue`, `priority`, ...). Those fires
go through `send_task`, as before. A queue's first message declares the queue through
kombu, as `send_task` would, then takes the lean path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from celery import Celery
from celery.signals import after_task_publish, before_task_publish
from celery.utils.nodenames import anon_nodename
from celery.utils.saferepr import saferepr
from celery.utils.time import add_seconds_to_datetime, maybe_make_aware
from kombu.common import maybe_declare
from kombu.entity import maybe_delivery_mode
from kombu.utils import json as kombu_json

# The options a fire may carry and still take the lean path (a schedule's spec allows
# only these; an entry written with RedBeat's own API may carry anything).
LEAN_OPTIONS = frozenset({"queue", "priority", "expires"})
# Celery's protocol-2 embed for a task with no callbacks, errbacks, chain or chord.
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
_REDIS_TRANSPORTS = {"redis", "rediss"}
# kombu's JSON, as its serializer registry and its Redis transport call it.
_kombu_dumps = cast(Callable[[Any], str], kombu_json.dumps)


def dumps(value: Any) -> str:
    """kombu's JSON text of `value`. kombu's encoder is the standard one plus a
    `default` for types JSON lacks (dates, UUIDs, ...), so for JSON's own types the
    standard encoder writes the same text, without building an encoder per call."""
    try:
        return json.dumps(value)
    except TypeError:
        return _kombu_dumps(value)


@dataclass(frozen=True, slots=True)
class _Route:
    """A queue as Celery's router and kombu's anon-exchange publish resolve it."""

    name: str
    delivery_mode: int | None


class LeanPublisher:
    """Builds Beat's fire messages as (queue list key, payload) for the commit to push."""

    def __init__(self, app: Celery, channel: Any) -> None:
        self.app = app
        self.channel = channel
        conf = app.conf
        self._default_queue = conf.task_default_queue
        self._default_delivery_mode = conf.task_default_delivery_mode
        self._argsrepr_max = app.amqp.argsrepr_maxsize
        self._kwargsrepr_max = app.amqp.kwargsrepr_maxsize
        self._repr_levels = conf.task_repr_maxlevels
        self._routes: dict[str, _Route | None] = {}
        self._plain_tasks: dict[str, bool] = {}
        self._declared: set[str] = set()
        # Celery names the sender of a message sent outside a worker so (host and pid).
        self._origin = anon_nodename()

    @staticmethod
    def refusal(app: Celery, store_url: str | None = None) -> str | None:
        """Why this Celery setup needs `send_task` for every message; None if it does not.
        `store_url`: the store's Redis, which the broker must be (the store's commit
        pushes the messages)."""
        conf = app.conf
        transport = app.connection_for_write().transport.driver_type
        options = conf.broker_transport_options or {}
        checks = (
            (transport not in _REDIS_TRANSPORTS, f"the broker is {transport}, not Redis"),
            (
                store_url is not None and conf.broker_url != store_url,
                "the broker is not the Redis the schedules are stored in",
            ),
            (bool(options.get("global_keyprefix")), "the broker prefixes its keys"),
            (int(conf.task_protocol) != 2, "task_protocol is not 2"),
            (conf.task_serializer != "json", "task_serializer is not json"),
            (bool(conf.task_compression), "task_compression is set"),
            (bool(conf.task_send_sent_event), "task_send_sent_event is on"),
            (bool(conf.task_routes) or bool(app.amqp.routes), "task_routes are set"),
            (not conf.task_create_missing_queues, "task_create_missing_queues is off"),
            (bool(before_task_publish.receivers), "before_task_publish has receivers"),
            (bool(after_task_publish.receivers), "after_task_publish has receivers"),
        )
        return next((why for failed, why in checks if failed), None)

    def message(
        self,
        task: str,
        args: list[Any],
        kwargs: dict[str, Any],
        task_id: str,
        options: Mapping[str, Any],
        headers: dict[str, Any],
        time_limit: float | None = None,
        soft_time_limit: float | None = None,
    ) -> tuple[str, str] | None:
        """The fire's message as (queue list key, payload), to be LPUSHed as is; None
        when this fire needs `send_task` (see the module docstring)."""
        if not LEAN_OPTIONS.issuperset(options) or not self._plain_task(task):
            return None
        queue = options.get("queue") or self._default_queue
        route = self._route(queue)
        if route is None:
            return None
        priority = options.get("priority")
        expires = options.get("expires")
        if expires is not None and not isinstance(expires, int | float):
            return None  # a date: Celery's conversions are not repeated here
        if queue not in self._declared:
            self._declare(queue)
        return self._encode(
            task, args, kwargs, task_id, headers, route, priority, expires,
            time_limit, soft_time_limit,
        )  # fmt: skip

    def _encode(
        self,
        task: str,
        args: list[Any],
        kwargs: dict[str, Any],
        task_id: str,
        headers: dict[str, Any],
        route: _Route,
        priority: Any,
        expires: float | None,
        time_limit: float | None,
        soft_time_limit: float | None,
    ) -> tuple[str, str]:
        """(list key, payload) as send_task -> as_task_v2 -> kombu's publish and the
        Redis channel's `_put` produce them; each step is named where it happens."""
        args_t = args or ()  # as_task_v2: `args or ()`
        kwargs = kwargs or {}
        expires_iso = None
        properties: dict[str, Any] = {"correlation_id": task_id, "reply_to": self.app.thread_oid}
        if expires is not None:
            now = self.app.now()
            moment = maybe_make_aware(add_seconds_to_datetime(now, expires), tz=self.app.timezone)
            expires_iso = moment.isoformat()
        all_headers = {
            "lang": "py",
            "task": task,
            "id": task_id,
            "shadow": None,
            "eta": None,
            "expires": expires_iso,
            "group": None,
            "group_index": None,
            "retries": 0,
            "timelimit": [time_limit, soft_time_limit],
            "root_id": task_id,
            "parent_id": None,
            "argsrepr": self._repr(args_t, self._argsrepr_max),
            "kwargsrepr": self._repr(kwargs, self._kwargsrepr_max),
            "origin": self._origin,
            "ignore_result": None,  # send_task pops it from the options: None
            "replaced_task_nesting": 0,
            "stamped_headers": None,
            "stamps": {},
            **headers,
        }
        # kombu Producer.publish: delivery mode, then expiration in whole ms.
        properties["delivery_mode"] = route.delivery_mode
        if expires is not None:
            properties["expiration"] = str(int(max(expires, 0) * 1000))
        channel = self.channel
        # Channel.prepare_message, then basic_publish's in-place augmentation.
        properties["delivery_info"] = {"exchange": "", "routing_key": route.name}
        properties["priority"] = priority or channel.default_priority
        body, body_encoding = channel.encode_body(
            dumps((args_t, kwargs, _EMBED)), channel.body_encoding
        )
        properties["body_encoding"] = body_encoding
        properties["delivery_tag"] = channel._next_delivery_tag()
        message = {
            "body": body,
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": all_headers,
            "properties": properties,
        }
        key = channel._q_for_pri(route.name, channel._get_message_priority(message, reverse=False))
        return key, dumps(message)

    def _repr(self, value: Any, limit: int) -> str:
        if not value:  # most schedules pass no arguments: saferepr's () and {}
            return "()" if isinstance(value, tuple) else "{}"
        return str(saferepr(value, limit, maxlevels=self._repr_levels))

    def _route(self, queue: str) -> _Route | None:
        """The queue by name as Celery's router resolves it (creating a missing one, as
        `task_create_missing_queues` does), or None unless kombu's anon-exchange path
        would publish to it: a direct exchange and no queue expiry."""
        if queue in self._routes:
            return self._routes[queue]
        q = self.app.amqp.queues[queue]
        route = None
        expires = getattr(self.channel, "_expires", None) or {}
        arguments = q.queue_arguments or {}
        if (
            q.exchange.type == "direct"
            and q.name not in expires
            and not q.expires
            and "x-expires" not in arguments
        ):
            mode = q.exchange.delivery_mode or self._default_delivery_mode
            route = _Route(q.name, _delivery_mode(mode))
        self._routes[queue] = route
        return route

    def _declare(self, queue: str) -> None:
        """Declare the queue as `send_task` does with a queue's first message (kombu's
        cached `maybe_declare` on the same channel), so that message can be queued by
        the commit too. Raises what the broker's client raises."""
        maybe_declare(self.app.amqp.queues[queue], self.channel)  # type: ignore[no-untyped-call]
        self._declared.add(queue)

    def declared(self, queue: str | None) -> None:
        """`queue` had a message through `send_task`, which declared it: its next
        messages may take the lean path."""
        self._declared.add(queue or self._default_queue)

    def _plain_task(self, task: str) -> bool:
        """True when the task (if registered here) sets no execution options of its own
        (send_task would merge them into every message's options) beyond the app's
        serializer."""
        if task not in self._plain_tasks:
            registered = self.app._tasks.get(task)
            options: dict[str, Any] = {}
            if registered is not None and hasattr(registered, "_get_exec_options"):
                options = registered._get_exec_options() or {}
            own = {k: v for k, v in options.items() if v is not None}
            # A task class names the app's serializer unless told otherwise: that one
            # is what the lean path uses anyway.
            if own.get("serializer") == self.app.conf.task_serializer:
                del own["serializer"]
            self._plain_tasks[task] = not own
        return self._plain_tasks[task]


def _delivery_mode(mode: Any) -> int | None:
    """kombu's maybe_delivery_mode: names to numbers."""
    return cast(int | None, maybe_delivery_mode(mode))  # type: ignore[no-untyped-call]
