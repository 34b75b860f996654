"""The one error body every 4xx and 5xx carries, and the `responses=` that document it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    """One reason a request was refused."""

    field: str = Field(description="The field, parameter or header at fault, e.g. `hour`.")
    value: Any = Field(
        description="The bad value as sent; as text when JSON cannot carry it (NaN, bytes)."
    )
    message: str = Field(description="Why it was refused.")


class ErrorBody(BaseModel):
    """`{error, message, detail}`: the shape of every error this API answers."""

    error: str = Field(
        description="What went wrong, for programs: invalid, not_found, exists, stale, "
        "run_refused, unauthorized, read_only_token, cross_site, redis_unavailable, "
        "method_not_allowed.",
        examples=["invalid"],
    )
    message: str = Field(description="A sentence for people (Korean with LANGUAGE=ko).")
    detail: list[ErrorDetail] = Field(description="Each field at fault; may be empty.")


ETAG = {"description": "The entry's current version.", "schema": {"type": "string"}}
DESCRIPTIONS: dict[int, str] = {
    401: "A token is set (API_TOKEN or API_TOKENS) and the call carried none that may "
    "write, in `Authorization: Bearer` or `X-API-Token`; or only read-only tokens are set.",
    403: "The token sent may only read (API_READ_TOKENS), or a browser sent the call from "
    "another site's page (not one of CORS_ORIGINS). Nothing was written.",
    404: "No schedule has that name.",
    409: "A schedule with that name exists already; nothing was written.",
    412: "`If-Match` names another version than the current one (sent as `ETag`); "
    "nothing was written.",
    422: "A field, parameter or the body is invalid: `detail` names it and the bad value. "
    "Nothing was written.",
    503: "Redis (the store and the broker) is unreachable; the message names its URL.",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`.", "schema": {"type": "string"}}},
    412: {"ETag": ETAG},
}


# Every route but /health, answered when API_PROTECT_READS is on (app.api.deps.require_read).
READ_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "API_PROTECT_READS is on and the call carried no token, or one the "
        "server does not know (either kind of token may read).",
        "headers": HEADERS[401],
    }
}


def error_responses(
    *codes: int, described: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that can answer these error statuses; `described`
    words a status the route's own way (the 409 of run-now is not a name taken)."""
    words = DESCRIPTIONS | (described or {})
    if 401 in codes and 403 not in codes:
        # A route that takes a write token also refuses a read-only one, and another
        # site's browser, with 403 (app.api.deps.require_token).
        codes = (*codes, 403)
    return {
        code: {"model": ErrorBody, "description": words[code]}
        | ({"headers": HEADERS[code]} if code in HEADERS else {})
        for code in codes
    }
