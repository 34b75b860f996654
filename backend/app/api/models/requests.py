"""Request bodies: a schedule's definition, as the schedule layer reads it.

The handlers read the body as JSON whatever its content type (seed 004's `curl -d`
sends none) and hand it to the schedule layer, whose errors name the field and the bad
value. These models only document those bodies. They extend the domain's
`ScheduleSpec`, so a field added there appears here, and they add the spellings the
domain also accepts: seed 000's `parameters`, and policy and option fields at the top.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.json_schema import models_json_schema

from app.schedules import ScheduleSpec

NAME_MAX_LENGTH = 200  # the domain's limit (validate_name); the schema says it too
SPEC_SCHEMA = ScheduleSpec.model_json_schema()


def _with_seed_spellings(schema: dict[str, Any]) -> None:
    props = schema["properties"]
    props["parameters"] = {**props["kwargs"], "description": "Same as `kwargs` (seed 000)."}
    for nested in ("Policy", "Options"):
        for key, prop in SPEC_SCHEMA["$defs"][nested]["properties"].items():
            props[key] = {**prop, "description": f"Same as `{nested.lower()}.{key}` (seed 000)."}


def _as_patch(schema: dict[str, Any]) -> None:
    """Every field optional; `null` resets one to its default."""
    _with_seed_spellings(schema)
    schema.pop("required", None)
    for key, prop in schema["properties"].items():
        prop.pop("default", None)
        nullable = any(p.get("type") == "null" for p in prop.get("anyOf", []))
        schema["properties"][key] = prop if nullable else {"anyOf": [prop, {"type": "null"}]}


class ScheduleCreate(ScheduleSpec):
    """A new schedule: a name, a task and exactly one timing (crontab fields, `cron`,
    `interval` with an optional `anchor`, or a one-off `at`)."""

    model_config = ConfigDict(json_schema_extra=_with_seed_spellings)

    name: str = Field(
        min_length=1,
        max_length=NAME_MAX_LENGTH,
        description="Any Unicode text without control characters.",
    )


class ScheduleUpdate(ScheduleSpec):
    """The fields to change; the others stay. Naming another timing kind switches to it."""

    model_config = ConfigDict(json_schema_extra=_as_patch)


def request_schemas() -> dict[str, Any]:
    """OpenAPI components for the bodies, with the models they refer to."""
    _, document = models_json_schema(
        [(ScheduleCreate, "validation"), (ScheduleUpdate, "validation")],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = document["$defs"]
    return schemas
