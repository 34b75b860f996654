"""Domain errors to HTTP statuses, in one place. Every error body has one shape:
`{"error": code, "message": sentence, "detail": [{"field", "value", "message"}]}`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from app.api.deps import CrossSite, ForeignHost, ReadOnlyToken, Unauthorized
from app.api.models import ErrorBody, ErrorDetail
from app.core.config import Settings, get_settings
from app.core.redis import redacted_url
from app.monitor import NoHistory, RunNotFound, scrub
from app.presentation import message
from app.schedules import (
    InvalidSchedule,
    JobNotFound,
    Problem,
    RunRefused,
    ScheduleExists,
    ScheduleNotFound,
    VersionMismatch,
)

log = logging.getLogger(__name__)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes that take a POST body but write nothing (the page's timing preview).
READ_ONLY_POSTS = frozenset({"timing-preview"})
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}
# The methods a 405's `Allow` may list (routes declare no OPTIONS or TRACE).
PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# Longest echo of a refused value (a name, a path, a body) in an error body, and of the
# sentence around it; longer ones are cut and end in ELLIPSIS.
ECHO_MAX_CHARS = 80
PROBLEM_MAX_CHARS = 1000
MESSAGE_MAX_CHARS = 2000
ELLIPSIS = "…"
# A body with thousands of unknown keys is refused for each: the first ones say enough.
MAX_PROBLEMS = 20


def short(text: str, limit: int = ECHO_MAX_CHARS) -> str:
    """`text` cut to `limit` characters and marked as cut with "…"; a lone surrogate
    (JSON's `"\\ud800"` decodes to one) as its escape, since UTF-8 cannot carry it."""
    text = text if len(text) <= limit else text[:limit] + ELLIPSIS
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _safe(value: Any) -> Any:
    """The bad value as JSON can carry it; as text when it cannot (NaN, bytes, ...).

    Echoed at most ECHO_MAX_CHARS long: a 5,000-character name (or a 60 KB body refused
    whole) must not come back whole, in a body every proxy and log then carries.
    """
    try:
        encoded = jsonable_encoder(value)
        text = json.dumps(encoded, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return short(repr(value))
    if isinstance(encoded, str):
        return short(encoded)
    fits = len(text) <= ECHO_MAX_CHARS and short(text) == text
    return encoded if fits else short(text)


def _told(problem: Problem) -> str:
    """The problem's message, with the value it quotes (`unknown timezone '…'`) cut
    short as the value itself is."""
    text, value = problem.message, problem.value
    if isinstance(value, str) and len(value) > ECHO_MAX_CHARS:
        text = text.replace(value, short(value))
    return short(text, PROBLEM_MAX_CHARS)


def error_response(
    status_code: int, code: str, text: str, problems: list[Problem] | None = None
) -> JSONResponse:
    shown = (problems or [])[:MAX_PROBLEMS]
    detail = [
        ErrorDetail(field=short(p.field), value=_safe(p.value), message=_told(p)) for p in shown
    ]
    hidden = len(problems or []) - len(shown)
    if hidden:
        detail.append(ErrorDetail(field="…", value=hidden, message="more problems not shown"))
    body = ErrorBody(error=code, message=short(text, MESSAGE_MAX_CHARS), detail=detail)
    return JSONResponse(body.model_dump(), status_code=status_code)


def _problems_of(exc: RequestValidationError) -> list[Problem]:
    """Pydantic's errors as the schedule layer names them: `options.priority`, not
    `("body", "options", "priority")`; a whole-schedule check (the request model runs
    the domain's validators) names the field and value it carries."""
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = ".".join(loc[1:] if len(loc) > 1 else loc) or "body"
        value = None if err.get("type") == "missing" else err.get("input")  # not the parent
        text = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        cause = (err.get("ctx") or {}).get("error")
        named = getattr(cause, "field", None)
        if isinstance(named, str):  # the domain's FieldValueError: a whole-schedule check
            field, value = named, getattr(cause, "value", None)
        elif cause and str(cause) not in text:
            text = f"{text}: {cause}"
        problems.append(Problem(field, value, text))
    return problems


def settings_of(request: Request) -> Settings:
    """The settings the routes see (tests override the dependency)."""
    provider = request.app.dependency_overrides.get(get_settings, get_settings)
    settings: Settings = provider()
    return settings


def allowed_methods(request: Request) -> str:
    """Every method some route answers at this path, for a 405's `Allow` (RFC 9110).

    Starlette's 405 names only the methods of the first route whose path matched, so
    `DELETE /api/scheduler/schedule` said `Allow: GET` though POST creates there: each
    method is tried against every route instead."""
    routes = request.app.router.routes
    found = [
        method
        for method in PROBED_METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]
    return ", ".join(found)


def _routing_problem(request: Request, exc: HTTPException) -> Problem:
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        allowed = (exc.headers or {}).get("Allow", "")
        return Problem("method", request.method, f"allowed here: {allowed}")
    return Problem("path", request.url.path, str(exc.detail))


def _routing_text(request: Request, exc: HTTPException, code: str) -> str:
    if code == "not_found":
        code = "route_not_found"
    elif code != "method_not_allowed":
        return f"{exc.detail}: {request.method} {short(request.url.path)}"
    allowed = (exc.headers or {}).get("Allow", "")
    return message(
        code,
        settings_of(request).language,
        path=short(request.url.path),
        method=request.method,
        allowed=allowed,
    )


def routing_refused(request: Request, exc: HTTPException) -> JSONResponse:
    """Routing's own refusals (no such path, method not allowed) in the one shape."""
    code = HTTP_CODES.get(exc.status_code, "http_error")
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        exc.headers = {**(exc.headers or {}), "Allow": allowed_methods(request)}
    text = _routing_text(request, exc, code)
    response = error_response(exc.status_code, code, text, [_routing_problem(request, exc)])
    response.headers.update(exc.headers or {})
    return response


def schedule_invalid(request: Request, exc: InvalidSchedule) -> JSONResponse:
    # "Not saved" is true of a write; a read refused for a bad parameter saved nothing.
    route = getattr(request.scope.get("route"), "name", None)
    writes = request.method in WRITES and route not in READ_ONLY_POSTS
    key = "invalid" if writes else "invalid_request"
    text = message(key, settings_of(request).language, detail=_summary(exc.problems))
    return error_response(422, "invalid", text, exc.problems)


def _summary(problems: list[Problem]) -> str:
    """The problems in one sentence, each value echoed short (str(InvalidSchedule) has
    them whole)."""
    return "; ".join(
        f"{short(p.field)}: {_told(p)} (got {_safe(p.value)!r})" for p in problems[:MAX_PROBLEMS]
    )


def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A parameter or body that fails its model: the same 422 as the schedule layer's."""
    return schedule_invalid(request, InvalidSchedule(_problems_of(exc)))


def schedule_missing(request: Request, exc: ScheduleNotFound) -> JSONResponse:
    text = message("not_found", settings_of(request).language, name=short(exc.name))
    return error_response(404, "not_found", text, [Problem("name", exc.name, str(exc))])


def job_missing(request: Request, exc: JobNotFound) -> JSONResponse:
    text = message("job_not_found", settings_of(request).language, job_id=short(str(exc.job_id)))
    return error_response(404, "not_found", text, [Problem("job", exc.job_id, str(exc))])


def history_missing(request: Request, exc: NoHistory) -> JSONResponse:
    text = message("history_not_found", settings_of(request).language, name=short(exc.name))
    return error_response(404, "not_found", text, [Problem("name", exc.name, str(exc))])


def run_missing(request: Request, exc: RunNotFound) -> JSONResponse:
    text = message("run_not_found", settings_of(request).language, task_id=short(exc.task_id))
    return error_response(404, "not_found", text, [Problem("task_id", exc.task_id, str(exc))])


def schedule_exists(request: Request, exc: ScheduleExists) -> JSONResponse:
    text = message("exists", settings_of(request).language, name=short(exc.name))
    return error_response(409, "exists", text, [Problem("name", exc.name, str(exc))])


def run_refused(request: Request, exc: RunRefused) -> JSONResponse:
    language = settings_of(request).language
    why = message(f"run_refused_{exc.reason}", language)
    text = message("run_refused", language, name=short(exc.name), why=why)
    problem = Problem("force", False, f"policy refused the run: {exc.reason}")
    return error_response(409, "run_refused", text, [problem])


def version_stale(request: Request, exc: VersionMismatch) -> JSONResponse:
    text = message(
        "version_mismatch", settings_of(request).language, name=short(exc.name), actual=exc.actual
    )
    problem = Problem("If-Match", exc.expected, f"current version is {exc.actual}")
    response = error_response(status.HTTP_412_PRECONDITION_FAILED, "stale", text, [problem])
    response.headers["ETag"] = f'"{exc.actual}"'
    return response


def unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
    # The same body for a missing and a wrong token, and never the token sent.
    key = "unauthorized_read" if exc.reading else "unauthorized"
    text = message(key, settings_of(request).language)
    response = error_response(401, "unauthorized", text)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def cross_site(request: Request, exc: CrossSite) -> JSONResponse:
    return error_response(403, "cross_site", message("cross_site", settings_of(request).language))


def foreign_host(request: Request, exc: ForeignHost) -> JSONResponse:
    text = message("foreign_host", settings_of(request).language, host=short(exc.host))
    return error_response(403, "foreign_host", text)


def read_only_token(request: Request, exc: ReadOnlyToken) -> JSONResponse:
    # Says a write token is needed, not which tokens exist or what this one is called.
    text = message("read_only_token", settings_of(request).language)
    return error_response(403, "read_only_token", text)


def redis_down(request: Request, exc: Exception) -> JSONResponse:
    url = redacted_url(settings_of(request).redis_url)
    # A library may quote the URL it was given, password and all.
    error = scrub(str(exc) or type(exc).__name__, settings_of(request).redis_url)
    log.warning("Redis unreachable at %s: %s", url, error)
    text = message("redis_down", settings_of(request).language, url=url, error=error)
    return error_response(503, "redis_unavailable", text)


# Each error class and the handler that answers it; kombu's OperationalError is the
# broker (Redis) being unreachable when a task is sent.
HANDLERS: dict[type[Exception], Callable[[Request, Any], JSONResponse]] = {
    HTTPException: routing_refused,
    InvalidSchedule: schedule_invalid,
    RequestValidationError: request_invalid,
    ScheduleNotFound: schedule_missing,
    JobNotFound: job_missing,
    NoHistory: history_missing,
    RunNotFound: run_missing,
    ScheduleExists: schedule_exists,
    VersionMismatch: version_stale,
    RunRefused: run_refused,
    Unauthorized: unauthorized,
    CrossSite: cross_site,
    ForeignHost: foreign_host,
    ReadOnlyToken: read_only_token,
    RedisError: redis_down,
    OperationalError: redis_down,
}


def install(app: FastAPI) -> None:
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)
