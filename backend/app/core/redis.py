"""Redis clients built from settings; nothing else constructs one.

Credentials come in REDIS_URL (`redis://user:password@host:port/db`, a Redis ACL user;
`redis://:password@...` for `requirepass`), TLS from its `rediss://` scheme plus the
REDIS_TLS_* files. `tls_options` is the one translation of those settings into
redis-py's keyword arguments, which Celery's broker and result backend and RedBeat take
as they are (app/core/celery_app.py), so every client checks the server alike.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis import Redis

from app.core.config import Settings

# What stands for a password wherever a Redis URL is shown.
MASK = "***"
# Query parameters redis-py reads a credential from (`?password=...`).
SECRET_QUERY_KEYS = frozenset({"password"})

VERIFY_MODES = {
    "required": ssl.CERT_REQUIRED,
    "optional": ssl.CERT_OPTIONAL,
    "none": ssl.CERT_NONE,
}


def make_redis(settings: Settings, *, socket_timeout: float | None = 10.0) -> Redis:
    """A client that returns str (schedule names are Unicode text)."""
    return Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=socket_timeout,
        socket_connect_timeout=5.0,
        health_check_interval=30,
        **tls_options(settings),
    )


def tls_options(settings: Settings) -> dict[str, Any]:
    """redis-py's `ssl_*` arguments for a rediss:// URL; empty for redis://.

    The same dict is Celery's `broker_use_ssl` and `redis_backend_use_ssl` and
    RedBeat's `redbeat_redis_use_ssl`. With REDIS_TLS_VERIFY=none the host name is not
    checked either (there is no checked certificate to match it against).
    """
    if not uses_tls(settings.redis_url):
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
    """
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


def uses_tls(url: str) -> bool:
    return urlsplit(url).scheme == "rediss"
