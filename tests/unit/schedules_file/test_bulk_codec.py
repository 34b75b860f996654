"""store._bulk_codec writes the same bytes as app.schedules.entry.encode, for every
timing kind and option the spec allows (a difference would make every entry the sync
writes look edited by RedBeat's own API, see entry.decode)."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.celery_app import celery_app
from app.schedules import entry as codec
from app.schedules.spec import parse_spec
from app.schedules.store._bulk_codec import FieldEncoder

TASK = "app.tasks.maintenance.cleanup_old_data"
SPECS: list[dict[str, Any]] = [
    {"minute": "30", "hour": "14", "day_of_week": "3"},
    {"minute": "*/5", "timezone": "America/New_York"},
    {"cron": "0 3 * * 1-5"},
    {"interval": 90},
    {"interval": 86400 * 2, "anchor": "2026-01-01T01:00:00+09:00"},
    {"interval": 60, "anchor": "2026-01-01T01:00:00", "timezone": "UTC"},
    {"at": "2027-05-01T09:30:00+09:00"},
    {"hour": 6, "enabled": False},
    {
        "cron": "15 4 * * *",
        "kwargs": {"days": 7, "simulate_seconds": 0.5},
        "options": {"queue": "slow", "priority": 3, "expires": 120.5},
        "description": "주간 정리 — “quoted”",
        "policy": {"overlap": "buffer_one", "max_retries": 2},
    },
]


@pytest.mark.parametrize("timing", SPECS)
@pytest.mark.parametrize("name", ["plain", "주간업데이트", ":escaped", 'q"uote\\'])
def test_the_bulk_encoder_writes_what_encode_writes(timing: dict[str, Any], name: str) -> None:
    spec = parse_spec({"task": TASK, **timing})
    encoder = FieldEncoder("Asia/Seoul", celery_app)
    expected = codec.encode(name, spec, "file", "Asia/Seoul", celery_app)
    assert encoder.encode(name, spec, "file", spec.to_document()) == expected
    # Again, from what it remembered.
    assert encoder.encode(name, spec, "file", spec.to_document()) == expected
