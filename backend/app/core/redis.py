"""Redis clients built from settings; nothing else constructs one."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from redis import Redis

from app.core.config import Settings


def make_redis(settings: Settings, *, socket_timeout: float | None = 10.0) -> Redis:
    """A client that returns str (schedule names are Unicode text)."""
    return Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=socket_timeout,
        socket_connect_timeout=5.0,
        health_check_interval=30,
    )


def redacted_url(url: str) -> str:
    """The URL with any password replaced, for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{user}:***@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def uses_tls(url: str) -> bool:
    return urlsplit(url).scheme == "rediss"
