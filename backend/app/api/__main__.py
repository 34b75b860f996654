"""`python -m app.api`: check the listening rule, then serve the API with uvicorn.

With no token (API_TOKEN, API_TOKENS or API_READ_TOKENS) every mutating call is open,
so the API then listens on loopback only (see "Security defaults" in docs/design.md);
with read-only tokens alone no call may change anything, so any address is allowed.
The checks run before uvicorn starts so that a refusal (that rule, or a malformed
setting such as API_TOKENS) is one line and exit status 2, not a startup traceback.

API_WORKERS > 1 runs that many uvicorn processes on one listening socket, under a
parent that restarts one that dies and passes SIGTERM/SIGINT on to all of them. One
process is CPU-bound at one core (the GIL) from about 10 clients on; the API keeps no
state of its own in memory (schedules, audit, metrics and the pause all live in Redis;
what is cached is derived from settings or code), so any process may answer any call.
"""

from __future__ import annotations

import ipaddress
import socket
import sys

import uvicorn
from pydantic import ValidationError
from uvicorn.supervisors import Multiprocess

from app.core.config import Settings, get_settings, settings_problems
from app.core.logging import uvicorn_log_config

APP = "app.api.main:app"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main() -> int:
    try:
        settings = get_settings()
    except ValidationError as exc:
        # A token's messages name the variable and the entry only (app.core.access).
        for line in settings_problems(exc):
            print(f"API: a setting is invalid: {line}", file=sys.stderr)
        return 2
    if not settings.api_token_list() and not is_loopback(settings.api_host):
        print(
            f"API: refusing to listen on {settings.api_host} without API_TOKEN "
            "(anyone who can reach it could change schedules). Set API_TOKEN or "
            "API_TOKENS, or API_HOST=127.0.0.1.",
            file=sys.stderr,
        )
        return 2
    if settings.api_workers > 1:
        serve_workers(settings)
        return 0
    uvicorn.run(
        APP,
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings),
    )
    return 0


def serve_workers(settings: Settings) -> None:
    """What `uvicorn.run(workers=N)` does, with the listening socket made a TCP one.

    uvicorn binds it as `socket.socket(family)`, whose `proto` is 0; asyncio then takes
    the accepted connections for something other than TCP and leaves Nagle's algorithm
    on, so every keep-alive answer written in two parts (head, then body) waited for
    the client's delayed ACK: 40-50 ms a call instead of 3 (bench/api_load.py).
    """
    config = uvicorn.Config(
        APP,
        host=settings.api_host,
        port=settings.api_port,
        workers=settings.api_workers,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings),
    )
    bound = config.bind_socket()
    # Rebuilt on the same descriptor: family, type and proto as the kernel has them.
    listener = socket.socket(fileno=bound.detach())
    Multiprocess(config, sockets=[listener]).run()


if __name__ == "__main__":
    sys.exit(main())
