"""Request examples for the OpenAPI docs, taken from the seeds.

The routes show them as the `openapi_examples` of their request bodies
(`ScheduleCreate`, `ScheduleUpdate`), so /docs can send each one as it is.
"""

from __future__ import annotations

from typing import Any

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
