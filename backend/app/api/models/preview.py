"""POST /api/scheduler/preview: the timing part of a definition in, in words and its
next fire times out. The request's fields are the domain spec's own (types, bounds and
descriptions), so the preview accepts exactly what a create would."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from app.api.models.errors import ErrorDetail
from app.api.models.requests import Received
from app.schedules import CRON_FIELDS, ScheduleSpec

# The fields of a definition that make its timing (app.schedules.timing.TIMING_FIELDS).
TIMING_KEYS = (
    *CRON_FIELDS,
    "cron",
    "interval",
    "anchor",
    "at",
    "timezone",
    "schedule_type",
    "schedule_value",
)


class PreviewBase(Received):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _number_as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _timing_fields() -> dict[str, Any]:
    spec = ScheduleSpec.model_fields
    fields: dict[str, Any] = {}
    for key in TIMING_KEYS:
        info = spec[key]
        metadata = list(info.metadata)
        if key in CRON_FIELDS:  # `"hour": 14` as a create takes it
            metadata.insert(0, BeforeValidator(_number_as_text))
        typed = Annotated[info.annotation, *metadata] if metadata else info.annotation
        fields[key] = (typed, Field(default=None, description=info.description))
    return fields


if TYPE_CHECKING:
    TimingPreviewRequest = PreviewBase
else:
    TimingPreviewRequest = create_model(
        "TimingPreviewRequest",
        __base__=PreviewBase,
        __doc__="Exactly one timing: crontab fields (`minute`, `hour`, ...), `cron`, "
        "`interval` (with an optional `anchor`) or a one-off `at`; and a `timezone` "
        "(TIMEZONE when absent). Times without an offset are read in that timezone.",
        **_timing_fields(),
    )


class TimingPreviewPublic(BaseModel):
    """What a schedule with this timing would do, were it saved now (`valid: true`)."""

    valid: Literal[True] = True
    kind: Literal["crontab", "cron", "interval", "once"]
    description: str = Field(description='In words, as the list shows it: "At 03:00".')
    timezone: str = Field(description="The timezone the timing is read in.")
    next_runs: list[str] = Field(
        description="The next fire times (up to 5), ISO 8601 with their offset in that "
        "timezone; fewer for a one-off."
    )
    next_run_in: str | None = Field(description='How far the first one is: "in 3 h 5 min".')


class TimingPreviewInvalid(BaseModel):
    """A timing a create would refuse (`valid: false`): the same `detail` and `message`
    as that create's 422, answered with 200 since the form asks while the user types."""

    valid: Literal[False] = False
    message: str = Field(description="A sentence for people (Korean with LANGUAGE=ko).")
    detail: list[ErrorDetail] = Field(description="Each field at fault, e.g. `cron`.")


TimingPreviewAnswer = TimingPreviewPublic | TimingPreviewInvalid
