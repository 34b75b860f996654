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
        "run_refused, unauthorized, redis_unavailable, method_not_allowed.",
        examples=["invalid"],
    )
    message: str = Field(description="A sentence for people (Korean with LANGUAGE=ko).")
    detail: list[ErrorDetail] = Field(description="Each field at fault; may be empty.")


ETAG = {"description": "The entry's current version.", "schema": {"type": "string"}}
DESCRIPTIONS: dict[int, str] = {
    401: "API_TOKEN is set and the call carried neither `Authorization: Bearer` nor "
    "`X-API-Token` with it.",
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


def error_responses(
    *codes: int, described: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that can answer these error statuses; `described`
    words a status the route's own way (the 409 of run-now is not a name taken)."""
    words = DESCRIPTIONS | (described or {})
    return {
        code: {"model": ErrorBody, "description": words[code]}
        | ({"headers": HEADERS[code]} if code in HEADERS else {})
        for code in codes
    }
