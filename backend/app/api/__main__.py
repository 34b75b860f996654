"""`python -m app.api`: check the listening rule, then serve the API with uvicorn.

With no API_TOKEN every mutating call is open, so the API then listens on loopback
only (see "Security defaults" in docs/design.md). The check runs before uvicorn starts
so that a refusal is one line and exit status 2, not a startup traceback.
"""

from __future__ import annotations

import sys

import uvicorn

from app.api.main import is_loopback
from app.core.config import get_settings
from app.core.logging import uvicorn_log_config


def main() -> int:
    settings = get_settings()
    if not settings.api_token and not is_loopback(settings.api_host):
        print(
            f"API: refusing to listen on {settings.api_host} without API_TOKEN "
            "(anyone who can reach it could change schedules). Set API_TOKEN, or "
            "API_HOST=127.0.0.1.",
            file=sys.stderr,
        )
        return 2
    uvicorn.run(
        "app.api.main:app",
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
