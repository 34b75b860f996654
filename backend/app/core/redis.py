"""Redis clients built from settings; nothing else constructs one.

Credentials come in REDIS_URL (`redis://user:password@host:port/db`, a Redis ACL user;
`redis://:password@...` for `requirepass`), TLS from its `rediss://` scheme plus the
REDIS_TLS_* files. `tls_options` is the one translation of those settings into
redis-py's keyword arguments, which Celery's broker and result backend and RedBeat take
as they are (app/core/celery_app.py), so every client checks the server alike.

With Sentinel (REDIS_URL `sentinel://host:26379;sentinel://host2:26379/0` and
REDIS_SENTINEL_MASTER) each library uses its own Sentinel support, never a client of
ours: redis-py's `Sentinel.master_for` here, kombu's `sentinel://` transport and
Celery's `sentinel://` result backend with `master_name` in their transport options,
RedBeat's `redis-sentinel://` with its `sentinels` options. `celery_redis_conf` is the
one place that says what each of them gets. Each asks the sentinels for the primary
again after a lost connection, so a failover needs no restart.
"""

from __future__ import annotations

import re
import ssl
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import MasterNotFoundError, Sentinel

from app.core.config import SentinelUrl, Settings, is_sentinel_url

# What stands for a password wherever a Redis URL is shown.
MASK = "***"
# Query parameters redis-py reads a credential from (`?password=...`).
SECRET_QUERY_KEYS = frozenset({"password"})

# Timeouts of the calls to the sentinels themselves (which is the primary, who are the
# others): short, so a sentinel that is down costs the next one's turn little.
SENTINEL_SOCKET_TIMEOUT = 5.0
# RedBeat's sentinel client, when Beat uses RedBeat's own code (a RedBeat entry saved by
# a caller's program): the longest wait for an answer of the primary.
REDBEAT_SOCKET_TIMEOUT = 10.0

VERIFY_MODES = {
    "required": ssl.CERT_REQUIRED,
    "optional": ssl.CERT_OPTIONAL,
    "none": ssl.CERT_NONE,
}


def make_redis(settings: Settings, *, socket_timeout: float | None = 10.0) -> Redis:
    """A client that returns str (schedule names are Unicode text).

    With Sentinel it is redis-py's `master_for` client: each new connection asks the
    sentinels where the primary is, and one to a primary that became a replica is
    dropped on its first READONLY answer, so the caller's retry reaches the new one.
    """
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": 5.0,
        "health_check_interval": 30,
        **tls_options(settings),
    }
    sentinel = settings.sentinel_url()
    if sentinel is None:
        return Redis.from_url(settings.redis_url, **options)
    if settings.redis_tls():
        options["ssl"] = True  # redis-py's sentinel pool then makes TLS connections
    credentials = {"username": sentinel.username, "password": sentinel.password}
    manager = ReadableSentinel(  # type: ignore[no-untyped-call]
        list(sentinel.nodes),
        # Ask the next sentinel at once rather than retry one that is down (redis-py's
        # default retries cost seconds per dead sentinel on every lookup).
        sentinel_kwargs={**sentinel_options(settings), "retry": Retry(NoBackoff(), 0)},
        db=sentinel.db,
        **credentials,
        **options,
    )
    client = manager.master_for(master_name(settings), redis_class=Redis)  # type: ignore[no-untyped-call]
    return cast(Redis, client)


# One sentinel's part of redis-py's MasterNotFoundError: the repr of its client (which
# holds host=...,port=...) and, after " - ", the error's short form.
_SENTINEL_ERROR = re.compile(r"host=([^,]+),port=(\d+),.*? - (\S+?)(?=, <redis\.client\.|$)")


class ReadableSentinel(Sentinel):
    """redis-py's Sentinel with its "no primary" error in a few words.

    redis-py puts the whole repr of each sentinel's client in the error (pool, retry and
    connection objects, a thousand characters each), and the API, the CLI and Beat show
    the error's text to say why Redis is unreachable. Only that text differs.
    """

    def discover_master(self, service_name: str) -> Any:
        try:
            return super().discover_master(service_name)  # type: ignore[no-untyped-call]
        except MasterNotFoundError as exc:
            raise MasterNotFoundError(no_primary_text(str(exc), service_name)) from None


def no_primary_text(text: str, service_name: str) -> str:
    failed = [f"{host}:{port} {_why(why)}" for host, port, why in _SENTINEL_ERROR.findall(text)]
    if failed:
        return f"no sentinel named a primary for {service_name!r} ({'; '.join(failed)})"
    # The sentinels answered: none knows the name, or the primary is down and not yet
    # replaced (a failover in progress).
    return f"no sentinel named a live primary for {service_name!r}"


def _why(error: str) -> str:
    if "Authentication" in error:
        return "refused the password (REDIS_SENTINEL_PASSWORD)"
    if error.endswith(("ConnectionError", "TimeoutError")):
        return "did not answer"
    return error


def master_name(settings: Settings) -> str:
    return (settings.redis_sentinel_master or "").strip()


def sentinel_options(settings: Settings) -> dict[str, Any]:
    """How every client talks to the sentinels themselves (redis-py's `sentinel_kwargs`):
    their password, short timeouts, and TLS when REDIS_SENTINEL_TLS is on."""
    options: dict[str, Any] = {
        "socket_timeout": SENTINEL_SOCKET_TIMEOUT,
        "socket_connect_timeout": SENTINEL_SOCKET_TIMEOUT,
    }
    if settings.redis_sentinel_password is not None:
        options["password"] = settings.redis_sentinel_password.get_secret_value()
    if settings.redis_tls():
        options.update(ssl=True, **tls_options(settings))
    return options


def celery_sentinel_url(url: str, sentinel: SentinelUrl) -> str:
    """REDIS_URL with the first part's credentials and database on every part.

    kombu reads them from the part it is on, and after a failed connection it moves on
    to the next part (its failover): a later part without them would connect to the
    primary with no password and the default database.
    """
    userinfo, at, _ = urlsplit(url.split(";")[0].strip()).netloc.rpartition("@")
    parts = (f"sentinel://{userinfo}{at}{_netloc(h, p)}/{sentinel.db}" for h, p in sentinel.nodes)
    return ";".join(parts)


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def celery_redis_conf(settings: Settings) -> dict[str, Any]:
    """Celery's settings for its broker, result backend and RedBeat, all on the Redis
    of `settings` (with TLS and Sentinel); every key is present, so applying the dict
    also undoes another Redis's options."""
    url, tls = settings.redis_url, tls_options(settings)
    conf: dict[str, Any] = {
        "broker_url": url,
        "result_backend": url,
        "redbeat_redis_url": url,
        "broker_use_ssl": tls or False,
        "redis_backend_use_ssl": tls or None,
        "redbeat_redis_use_ssl": tls or None,
        "broker_transport_options": {},
        "result_backend_transport_options": {},
        # Set explicitly so RedBeat does not fall back to the broker's options.
        "redbeat_redis_options": {},
    }
    sentinel = settings.sentinel_url()
    if sentinel is not None:
        conf.update(_celery_sentinel_conf(settings, sentinel))
    return conf


def _celery_sentinel_conf(settings: Settings, sentinel: SentinelUrl) -> dict[str, Any]:
    # kombu and Celery read the sentinels, the primary's credentials and its database
    # from the URL (celery_sentinel_url); the master's name and the sentinels' own
    # password go in their transport options.
    transport = {
        "master_name": master_name(settings),
        "sentinel_kwargs": sentinel_options(settings),
    }
    redbeat: dict[str, Any] = {
        "sentinels": list(sentinel.nodes),
        "service_name": master_name(settings),
        "db": sentinel.db,
        "password": sentinel.password,
        "socket_timeout": REDBEAT_SOCKET_TIMEOUT,
        "sentinel_kwargs": sentinel_options(settings),
    }
    if sentinel.username is not None:
        redbeat["username"] = sentinel.username
    # RedBeat picks its Sentinel client by this scheme; the rest of the URL is only shown.
    hosts = ",".join(_netloc(host, port) for host, port in sentinel.nodes)
    url = celery_sentinel_url(settings.redis_url, sentinel)
    return {
        "broker_url": url,
        "result_backend": url,
        "redbeat_redis_url": f"redis-sentinel://{hosts}/{sentinel.db}",
        "broker_transport_options": transport,
        "result_backend_transport_options": dict(transport),
        "redbeat_redis_options": redbeat,
    }


def tls_options(settings: Settings) -> dict[str, Any]:
    """redis-py's `ssl_*` arguments for a rediss:// URL; empty for redis://.

    The same dict is Celery's `broker_use_ssl` and `redis_backend_use_ssl` and
    RedBeat's `redbeat_redis_use_ssl`. With REDIS_TLS_VERIFY=none the host name is not
    checked either (there is no checked certificate to match it against).
    """
    if not settings.redis_tls():
        return {}
    options: dict[str, Any] = {
        "ssl_cert_reqs": VERIFY_MODES[settings.redis_tls_verify],
        "ssl_check_hostname": settings.redis_tls_verify != "none",
    }
    files = {
        "ssl_ca_certs": settings.redis_tls_ca_cert,
        "ssl_certfile": settings.redis_tls_cert,
        "ssl_keyfile": settings.redis_tls_key,
    }
    options.update({key: str(path) for key, path in files.items() if path is not None})
    return options


def redacted_url(url: str) -> str:
    """The URL as logs, errors, status and banners show it: the password is `***`.

    A URL without a password is shown as it is, with no `:***@` (Celery's own banner
    prints `redis://:**@host` either way, which reads as if there were a password; see
    `RedactingConnection` in app/core/celery_app.py). An empty password is no password.
    A list of sentinels (`sentinel://...;sentinel://...`) is shown part by part.
    """
    if is_sentinel_url(url):
        return ";".join(_redacted_one(part) for part in url.split(";"))
    return _redacted_one(url)


def _redacted_one(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced "[" in the host: show nothing that might be secret
        return MASK
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = parts.netloc
    if at:
        user, _, password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostport}" if password else f"{user}@{hostport}".lstrip("@")
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(key in SECRET_QUERY_KEYS for key, _ in pairs):
        hidden = [(key, MASK if key in SECRET_QUERY_KEYS else value) for key, value in pairs]
        query = urlencode(hidden, safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        # Nothing to hide: as given (urlunsplit would turn `redis+socket:///tmp/s` into
        # `redis+socket:/tmp/s`).
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
