"""Request bodies: a new schedule, and a change to one.

FastAPI validates each body against its model here (any Content-Type is read as JSON,
see `app.api.routing`), and the handler passes the body exactly as received
(`.received`) to the schedule layer, which validates it again with the stored entry and
the task registry in view: unset and `null` stay distinct there ("null resets a field").
Errors from either name the field and the bad value in the same shape (app.api.errors).

Both models come from the domain's `ScheduleSpec`, so a field added there appears here.
`ScheduleCreate` is a spec plus a name. `ScheduleUpdate` has every spec field optional
and nullable, and no whole-schedule checks (exactly one timing, ...): those apply to the
merged result. Both accept the spellings the domain accepts: seed 000's `parameters`,
and policy and option fields at the top level. A new schedule's spec moves those into
their objects before checking them (a bad `expires` is named `options.expires`); an
update declares them as fields of their own, so they are named as sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    create_model,
    model_validator,
)
from pydantic.fields import FieldInfo

from app.schedules import CRON_FIELDS, NAME_MAX_LENGTH, ScheduleSpec

SPEC_SCHEMA = ScheduleSpec.model_json_schema()
# The nested objects whose fields seed 000 also writes at the top level.
NESTED = ("policy", "options")


class Received(BaseModel):
    """Keeps the JSON object it was validated from, for the schedule layer."""

    _received: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_received(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        model = handler(data)
        if isinstance(data, dict) and isinstance(model, Received):
            model._received = data
        return model

    @property
    def received(self) -> dict[str, Any]:
        """The body as sent: only the fields given, `null` where `null` was sent."""
        return self._received


def _with_seed_spellings(schema: dict[str, Any]) -> None:
    # The spec's before-validator moves these into `kwargs`, `policy` and `options`.
    props = schema["properties"]
    props["parameters"] = {**props["kwargs"], "description": "Same as `kwargs` (seed 000)."}
    for nested in NESTED:
        defs = SPEC_SCHEMA["$defs"][nested.capitalize()]
        for key, prop in defs["properties"].items():
            props[key] = {**prop, "description": f"Same as `{nested}.{key}` (seed 000)."}


class ScheduleCreate(Received, ScheduleSpec):
    """A new schedule: a name, a task and exactly one timing (crontab fields, `cron`,
    `interval` with an optional `anchor`, or a one-off `at`)."""

    model_config = ConfigDict(json_schema_extra=_with_seed_spellings)

    name: str = Field(
        min_length=1,
        max_length=NAME_MAX_LENGTH,
        description="Any Unicode text without invisible characters (controls, format "
        "characters such as bidi and zero-width marks, U+2028/U+2029).",
    )


PATCH_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False)


class UpdateBase(Received):
    model_config = PATCH_CONFIG


def _nullable(annotation: Any, metadata: list[Any]) -> Any:
    """`annotation | None`, with the field's bounds (`Ge(1)`, `MaxLen(300)`, ...)."""
    return Annotated[annotation | None, *metadata] if metadata else annotation | None


def _optional(info: FieldInfo, description: str | None = None) -> tuple[Any, Any]:
    """The field with its type and bounds, optional and nullable (`null` resets it)."""
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        annotation = _patch_of(annotation)
    field = Field(default=None, description=description or info.description)
    return _nullable(annotation, info.metadata), field


def _patch_of(model: type[BaseModel]) -> type[BaseModel]:
    """`Policy` -> `PolicyUpdate`: the keys given replace the stored ones."""
    fields: dict[str, Any] = {key: _optional(info) for key, info in model.model_fields.items()}
    return create_model(f"{model.__name__}Update", __config__=PATCH_CONFIG, **fields)


def _number_as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _update_fields() -> dict[str, Any]:
    spec = ScheduleSpec.model_fields
    fields: dict[str, Any] = {key: _optional(info) for key, info in spec.items()}
    for key in CRON_FIELDS:  # seed 004 sends `"hour": 15`; the spec stores it as text
        metadata = [BeforeValidator(_number_as_text), *spec[key].metadata]
        fields[key] = (_nullable(str, metadata), Field(default=None))
    fields["parameters"] = _optional(spec["kwargs"], "Same as `kwargs` (seed 000).")
    for nested in NESTED:
        inner = spec[nested].annotation
        assert isinstance(inner, type) and issubclass(inner, BaseModel)
        for key, info in inner.model_fields.items():
            fields[key] = _optional(info, f"Same as `{nested}.{key}` (seed 000).")
    fields["name"] = (
        str | None,
        Field(default=None, description="The name in the path, if given (no renaming)."),
    )
    return fields


if TYPE_CHECKING:
    # Built at import time from the spec's fields; handlers use only `.received`.
    ScheduleUpdate = UpdateBase
else:
    ScheduleUpdate = create_model(
        "ScheduleUpdate",
        __base__=UpdateBase,
        __doc__="The fields to change; the others stay. `null` resets a field to its "
        "default; naming another timing kind switches to it.",
        **_update_fields(),
    )
