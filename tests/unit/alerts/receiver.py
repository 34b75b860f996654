"""A webhook receiver on a free local port (http.server in a thread), for the alert
tests of both tiers: it records every POST, answers with the statuses it is told to
(200 once they run out), or hangs without answering."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.statuses: list[int] = []  # answered in turn; 200 when empty
        self.hang = threading.Event()  # set: accept, read, never answer
        self.release = threading.Event()  # set at the end, so hung handlers return
        self.lock = threading.Lock()
        self.url = ""

    def alerts(self, kind: str | None = None, schedule: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            found = [b["alert"] for b in self.bodies if "alert" in b]
        return [
            a
            for a in found
            if (kind is None or a["kind"] == kind)
            and (schedule is None or a["schedule"] == schedule)
        ]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                receiver.paths.append(self.path)
                receiver.bodies.append(json.loads(body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            if receiver.hang.is_set():
                receiver.release.wait(60)
                return
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def receiver(path: str = "/hook") -> Iterator[Receiver]:
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    server.daemon_threads = True
    found.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        found.release.set()
        server.shutdown()
        server.server_close()


def dead_url() -> str:
    """A local port with nothing listening (taken, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
