"""Request bodies are JSON whatever their Content-Type.

Seed 004's users run `curl -d '{...}'` without `-H 'Content-Type: application/json'`, so
curl labels the JSON as a form. FastAPI parses a body as JSON only when it is labelled
so; `JsonBodyRoute` parses it here instead and hands FastAPI a request that says JSON,
so the route's request model (and the OpenAPI document) still describe the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope

from app.schedules import invalid

JSON = b"application/json"
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def parse_json(raw: bytes) -> Any:
    """The body as JSON; refused as the field `body` when it is not JSON."""
    try:
        return json.loads(raw)
    except ValueError as exc:  # also bytes that are not UTF-8 (UnicodeDecodeError)
        raise invalid("body", None, f"not valid JSON: {exc}") from None
    except RecursionError:
        # `[[[[...` a few thousand deep exhausts the decoder's stack.
        raise invalid("body", None, "not valid JSON: nested too deeply") from None


class ParsedJsonRequest(Request):
    """A request whose body was read and parsed already, labelled as JSON."""

    def __init__(self, scope: Scope, receive: Receive, raw: bytes, parsed: Any) -> None:
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-type"]
        super().__init__({**scope, "headers": [*headers, (b"content-type", JSON)]}, receive)
        self._raw = raw
        self._parsed = parsed

    async def body(self) -> bytes:
        return self._raw

    async def json(self) -> Any:
        return self._parsed


class JsonBodyRoute(APIRoute):
    """An `APIRoute` that reads any request body as JSON (see the module docstring).

    An empty body is left to FastAPI, which refuses a required one as missing."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def read_as_json(request: Request) -> Response:
            raw = await request.body()
            if raw:
                request = ParsedJsonRequest(request.scope, request.receive, raw, parse_json(raw))
            return await handler(request)

        return read_as_json
