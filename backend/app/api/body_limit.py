"""MAX_BODY_BYTES: a request body beyond it is refused with 413 before it is parsed.

Pure ASGI, so nothing buffers the body first: a Content-Length beyond the limit is
refused unread, and a body without one (chunked) is counted as it streams in and
refused as soon as it passes the limit. The handler never sees a cut-short body: once
the limit is passed, whatever the app answers is replaced by the 413.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_response, settings_of
from app.presentation import message
from app.schedules import Problem


class BodyTooLarge(Exception):
    """Raised into the app from `receive` once the body passes the limit."""


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        settings = settings_of(request)
        limit = settings.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(request, limit, send)
            return
        seen = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise BodyTooLarge()
            return msg

        async def guarded(msg: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to a body it could not read: the 413 replaces it
            started = True
            await send(msg)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            pass
        if exceeded and not started:
            await _refuse(request, limit, send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed one before we run
    return None


async def _refuse(request: Request, limit: int, send: Send) -> None:
    text = message("body_too_large", settings_of(request).language, limit=limit)
    problem = Problem("body", None, f"larger than MAX_BODY_BYTES ({limit} bytes)")
    response = error_response(413, "too_large", text, [problem])
    # The rest of the body is never read: the client must not reuse the connection.
    response.headers["Connection"] = "close"
    await response(request.scope, _drained(), send)


def _drained() -> Receive:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    return receive
