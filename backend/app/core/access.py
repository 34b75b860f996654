"""Who may call the API: its tokens (API_TOKEN, API_TOKENS, API_READ_TOKENS) and the
browser origins allowed to call it from another site (CORS_ORIGINS).

API_TOKEN is one unnamed token (called `default` in messages); API_TOKENS and
API_READ_TOKENS are `name:token,name:token`, the first kind allowed to change
schedules, the second only to read. Names are what the audit trail records
(`token:<name>`); tokens never appear in a message, a log or an error.

A token is checked against every configured one, each in constant time and with no
early exit (`match`), so the time an answer takes says neither how much of a token
was right nor which token matched.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

# The name API_TOKEN's token goes by in messages (it has no name of its own).
DEFAULT_NAME = "default"
# Names end up in the audit trail and in logs: short, printable, no separators.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
# What a browser leaves out of an Origin header.
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ApiToken:
    """One configured token. `digest` is its SHA-256, compared instead of the token
    so that every comparison has the same length whatever the tokens' lengths."""

    name: str
    can_write: bool
    # From API_TOKEN (unnamed): the audit trail keeps the caller's address instead.
    unnamed: bool = False
    digest: bytes = field(default=b"", repr=False)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _entries(text: str, variable: str, can_write: bool) -> list[tuple[str, str, bool]]:
    """`name:token,...` as (name, token, can_write); a ValueError names the variable and
    the entry's position or name, never its token. Blank entries (a trailing comma)
    are skipped."""
    found = []
    for position, raw in enumerate(text.split(","), start=1):
        entry = raw.strip()
        if not entry:
            continue
        name, colon, token = (part.strip() for part in entry.partition(":"))
        if not colon:
            raise ValueError(f"{variable}: entry {position} is not name:token")
        if not name:
            raise ValueError(f"{variable}: entry {position} has an empty name")
        if not NAME.fullmatch(name):
            raise ValueError(
                f"{variable}: entry {position} has a name that is not 1-64 letters, digits "
                "or _ . @ - (starting with a letter or digit)"
            )
        if not token:
            raise ValueError(f"{variable}: the token of {name!r} is empty")
        found.append((name, token, can_write))
    return found


# Both parsers are pure functions of the settings' text, and every request asks for
# their result (the token check, the CORS and cross-site checks): parsed and hashed once
# per distinct text, not once per request. Keyed on the text, so a changed setting is
# parsed anew.
@lru_cache(maxsize=8)
def parse_tokens(
    api_token: str | None, api_tokens: str | None, api_read_tokens: str | None
) -> tuple[ApiToken, ...]:
    """Every configured token; ValueError (naming the variable, never a token) for an
    empty or duplicate name, an empty token, or one token given twice."""
    entries = []
    if api_token:
        entries.append((DEFAULT_NAME, api_token, True))
    entries += _entries(api_tokens or "", "API_TOKENS", True)
    entries += _entries(api_read_tokens or "", "API_READ_TOKENS", False)
    names: set[str] = set()
    holders: dict[bytes, str] = {}
    tokens = []
    for index, (name, token, can_write) in enumerate(entries):
        variable = _variable(index, bool(api_token), can_write)
        if name in names:
            raise ValueError(f"{variable}: the name {name!r} is used twice")
        digest = _digest(token)
        if digest in holders:
            raise ValueError(
                f"{variable}: {name!r} has the same token as {holders[digest]!r} "
                "(each name needs its own token)"
            )
        names.add(name)
        holders[digest] = name
        unnamed = bool(api_token) and index == 0
        tokens.append(ApiToken(name, can_write, unnamed, digest))
    return tuple(tokens)


def _variable(index: int, has_default: bool, can_write: bool) -> str:
    if has_default and index == 0:
        return "API_TOKEN"
    return "API_TOKENS" if can_write else "API_READ_TOKENS"


def match(tokens: tuple[ApiToken, ...], supplied: str) -> ApiToken | None:
    """The token `supplied` is, or None. Compared with every token (no early exit)."""
    digest = _digest(supplied)
    found = None
    for token in tokens:
        if hmac.compare_digest(digest, token.digest):
            found = token
    return found


@lru_cache(maxsize=8)
def parse_origins(text: str) -> tuple[str, ...]:
    """CORS_ORIGINS (`https://ops.example.com,http://localhost:3000`) as browsers write
    an Origin header: lower case, no default port, no trailing slash.

    `*` is refused: it would let every site's page call the API from its visitors'
    browsers, which is what the cross-site refusal exists to prevent.
    """
    origins = []
    for raw in text.split(","):
        entry = raw.strip().rstrip("/")
        if not entry:
            continue
        if entry == "*":
            raise ValueError("CORS_ORIGINS: '*' is not allowed; list each origin")
        origins.append(_origin(entry))
    return tuple(dict.fromkeys(origins))


def _origin(entry: str) -> str:
    try:
        parts = urlsplit(entry)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is not None and parts.username is not None:
        # user:password@ in an origin is a mistake, and may be a secret: not echoed.
        raise ValueError("CORS_ORIGINS: an origin has user:password@ in it; origins have none")
    if (
        parts is None
        or parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
    ):
        raise ValueError(
            f"CORS_ORIGINS: {entry[:80]!r} is not an origin like https://ops.example.com "
            "(scheme, host and optional port only)"
        )
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    shown_port = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host}{shown_port}"
