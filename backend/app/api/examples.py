"""Request examples for the OpenAPI docs, taken from the seeds, and the body schemas.

The bodies are validated by the schedule layer (so every error names its field the
same way everywhere); these only tell /docs what to show.
"""

from __future__ import annotations

import copy
from typing import Any

from app.schedules import file_schema

CRAWL = "app.tasks.scheduler.crawl_all_complexes"

CREATE_EXAMPLES: dict[str, Any] = {
    "seed004_weekly": {
        "summary": "Seed 004: every Wednesday 14:30",
        "value": {
            "name": "테스트_크롤링",
            "task": CRAWL,
            "hour": 14,
            "minute": 30,
            "day_of_week": "3",
            "description": "매주 수요일 오후 2시 30분",
        },
    },
    "seed000_cron": {
        "summary": "Seed 000: a cron expression with parameters",
        "value": {
            "name": "도매처_상품_수집",
            "task": "app.tasks.collection.collect_wholesale_products",
            "cron": "0 2 * * *",
            "parameters": {"test_mode": False},
            "description": "모든 도매처에서 상품 정보 수집 (매일 새벽 2시)",
        },
    },
    "seed003_anchored": {
        "summary": "Seed 003: every 2 days at 01:00",
        "value": {
            "name": "격일_수집",
            "task": "app.tasks.collection.collect_all_suppliers",
            "interval": 172800,
            "anchor": "2024-01-01T01:00:00",
            "policy": {"overlap": "skip", "min_gap_seconds": 3600},
        },
    },
    "seed002_once": {
        "summary": "Seed 002: run once at a given time",
        "value": {
            "name": "한번_리포트",
            "task": "app.tasks.reports.generate_daily_report",
            "at": "2030-01-01T09:00:00",
            "options": {"queue": "celery", "expires": 3600},
        },
    },
}

UPDATE_EXAMPLES: dict[str, Any] = {
    "seed004_time": {"summary": "Seed 004: move to 15:00", "value": {"hour": 15, "minute": 0}},
    "seed004_minute": {"summary": "Seed 004: change the minute only", "value": {"minute": 45}},
    "to_interval": {"summary": "Switch to every 30 minutes", "value": {"interval": 1800}},
}


def definition_schemas() -> dict[str, Any]:
    """OpenAPI components for a schedule definition, from schedules.json's schema."""
    defs = copy.deepcopy(file_schema()["$defs"])
    text = _retarget(defs)
    create = copy.deepcopy(text["ScheduleSpec"])
    create["title"] = "ScheduleCreate"
    create["properties"] = {
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "title": "Name"},
        **create["properties"],
    }
    create["required"] = ["name", *create.get("required", [])]
    update = copy.deepcopy(text["ScheduleSpec"])
    update["title"] = "ScheduleUpdate"
    update.pop("required", None)
    return {**text, "ScheduleCreate": create, "ScheduleUpdate": update}


def _retarget(defs: dict[str, Any]) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else walk(v))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(defs)
    return result


def body(schema: str, examples: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a route whose JSON body the schedule layer validates."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{schema}"},
                    "examples": examples,
                }
            },
        }
    }
