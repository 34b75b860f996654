"""Domain errors to HTTP statuses, in one place. Every error body has one shape:
`{"error": code, "message": sentence, "detail": [{"field", "value", "message"}]}`."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException

from app.api.deps import Unauthorized
from app.api.models import ErrorBody, ErrorDetail
from app.core.config import Settings, get_settings
from app.core.redis import redacted_url
from app.presentation import message
from app.schedules import (
    InvalidSchedule,
    Problem,
    ScheduleExists,
    ScheduleNotFound,
    VersionMismatch,
)

log = logging.getLogger(__name__)
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def _safe(value: Any) -> Any:
    """The bad value as JSON can carry it; as text when it cannot (NaN, bytes, ...)."""
    try:
        encoded = jsonable_encoder(value)
        json.dumps(encoded, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)
    return encoded


def error_response(
    status_code: int, code: str, text: str, problems: list[Problem] | None = None
) -> JSONResponse:
    detail = [
        ErrorDetail(field=p.field, value=_safe(p.value), message=p.message) for p in problems or []
    ]
    body = ErrorBody(error=code, message=text, detail=detail)
    return JSONResponse(body.model_dump(), status_code=status_code)


def _problems_of(exc: RequestValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = ".".join(loc[1:]) if len(loc) > 1 and loc[0] != "body" else ".".join(loc)
        text = str(err.get("msg", "invalid"))
        cause = (err.get("ctx") or {}).get("error")
        if cause:
            text = f"{text}: {cause}"
        problems.append(Problem(field or "body", err.get("input"), text))
    return problems


def _settings(request: Request) -> Settings:
    """The settings the routes see (tests override the dependency)."""
    provider = request.app.dependency_overrides.get(get_settings, get_settings)
    settings: Settings = provider()
    return settings


def _routing_problem(request: Request, exc: HTTPException) -> Problem:
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        allowed = (exc.headers or {}).get("Allow", "")
        return Problem("method", request.method, f"allowed here: {allowed}")
    return Problem("path", request.url.path, str(exc.detail))


def _routing_text(request: Request, exc: HTTPException, code: str) -> str:
    if code == "not_found":
        code = "route_not_found"
    elif code != "method_not_allowed":
        return f"{exc.detail}: {request.method} {request.url.path}"
    allowed = (exc.headers or {}).get("Allow", "")
    return message(
        code,
        _settings(request).language,
        path=request.url.path,
        method=request.method,
        allowed=allowed,
    )


def install(app: FastAPI) -> None:

    @app.exception_handler(HTTPException)
    def _http(request: Request, exc: HTTPException) -> JSONResponse:
        """Routing's own refusals (no such path, method not allowed) in the one shape."""
        code = HTTP_CODES.get(exc.status_code, "http_error")
        text = _routing_text(request, exc, code)
        response = error_response(exc.status_code, code, text, [_routing_problem(request, exc)])
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(InvalidSchedule)
    def _invalid(request: Request, exc: InvalidSchedule) -> JSONResponse:
        text = message("invalid", _settings(request).language, detail=str(exc))
        return error_response(422, "invalid", text, exc.problems)

    @app.exception_handler(RequestValidationError)
    def _request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _problems_of(exc)
        text = message(
            "invalid", _settings(request).language, detail="; ".join(str(p) for p in problems)
        )
        return error_response(422, "invalid", text, problems)

    @app.exception_handler(ScheduleNotFound)
    def _missing(request: Request, exc: ScheduleNotFound) -> JSONResponse:
        text = message("not_found", _settings(request).language, name=exc.name)
        return error_response(404, "not_found", text, [Problem("name", exc.name, str(exc))])

    @app.exception_handler(ScheduleExists)
    def _exists(request: Request, exc: ScheduleExists) -> JSONResponse:
        text = message("exists", _settings(request).language, name=exc.name)
        return error_response(409, "exists", text, [Problem("name", exc.name, str(exc))])

    @app.exception_handler(VersionMismatch)
    def _stale(request: Request, exc: VersionMismatch) -> JSONResponse:
        text = message(
            "version_mismatch", _settings(request).language, name=exc.name, actual=exc.actual
        )
        problem = Problem("If-Match", exc.expected, f"current version is {exc.actual}")
        response = error_response(status.HTTP_412_PRECONDITION_FAILED, "stale", text, [problem])
        response.headers["ETag"] = f'"{exc.actual}"'
        return response

    @app.exception_handler(Unauthorized)
    def _unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        response = error_response(
            401, "unauthorized", message("unauthorized", _settings(request).language)
        )
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RedisError)
    @app.exception_handler(OperationalError)  # kombu's: the broker (Redis) is unreachable
    def _redis(request: Request, exc: Exception) -> JSONResponse:
        url = redacted_url(_settings(request).redis_url)
        log.warning("Redis unreachable at %s: %s", url, exc)
        return error_response(
            503,
            "redis_unavailable",
            message("redis_down", _settings(request).language, url=url, error=exc),
        )
