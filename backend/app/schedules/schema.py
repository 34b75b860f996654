"""The JSON Schema that ships beside schedules.json, generated from the spec model.

Regenerate after changing the spec (a test fails while the shipped file is stale):
    python -m app.schedules.schema > app/config/schedules.schema.json
"""

from __future__ import annotations

import json
from typing import Any

from app.schedules.spec import NAME_MAX_LENGTH, OPTION_KEYS, POLICY_KEYS, ScheduleSpec


def file_schema() -> dict[str, Any]:
    entry = ScheduleSpec.model_json_schema(by_alias=False)
    defs = entry.pop("$defs", {})
    # The loader also takes seed 000's spellings: `parameters`, and policy and option
    # fields at the top level. The schema must not flag what loads fine.
    props = entry["properties"]
    props["parameters"] = {**props["kwargs"], "description": "Same as kwargs (seed 000)."}
    for nested, keys in (("Policy", POLICY_KEYS), ("Options", OPTION_KEYS)):
        for key in keys:
            props[key] = defs[nested]["properties"][key]
    defs["ScheduleSpec"] = entry
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "schedules.json",
        "description": (
            "Declarative schedules. Each key is a schedule name; each value gives a task and "
            "exactly one timing: crontab fields, cron, interval (with optional anchor) or at."
        ),
        "type": "object",
        "properties": {
            "$schema": {"type": "string"},
            "schedules": {
                "type": "object",
                "propertyNames": {"minLength": 1, "maxLength": NAME_MAX_LENGTH},
                "additionalProperties": {"$ref": "#/$defs/ScheduleSpec"},
            },
        },
        "required": ["schedules"],
        "additionalProperties": False,
        "$defs": defs,
    }


def render() -> str:
    return json.dumps(file_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    print(render(), end="")
