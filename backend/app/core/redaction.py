"""How a webhook URL is shown anywhere but where it is used or exported.

A Slack incoming webhook carries its secret in the path (`/services/T…/B…/x…`), and
other receivers put tokens in the path, the query or the user part, so what is shown
is the scheme and host only: enough to tell which service a schedule alerts, nothing
to post with. Logs, the audit trail, API and CLI views and error messages all use
this one form, so a secret never leaks through the one that redacted differently.
(Redis URLs are shown by `app.core.redis.redacted_url`, which keeps the path: there
it is a database number, and only the password is secret.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

# What stands for the hidden part, and for a whole value with no host to show.
HIDDEN = "…"


def redacted_webhook(url: str) -> str:
    """`https://hooks.slack.com/services/T/B/x` -> `https://hooks.slack.com/…`; a value
    with no scheme and host to show (not a URL) is `…` alone."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unbalanced "[" in the host
        return HIDDEN
    if not parts.scheme or not host:
        return HIDDEN
    if ":" in host:  # IPv6 keeps its brackets, so the result still reads as a URL
        host = f"[{host}]"
    return f"{parts.scheme}://{host}/{HIDDEN}"
