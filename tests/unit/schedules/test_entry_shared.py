"""app/schedules/entry.py: Beat's reads with SharedParts decode as the plain reads do."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redbeat.decoder import RedBeatJSONEncoder

from app.core.celery_app import celery_app
from app.schedules import entry as codec
from app.schedules.entry import Entry, SharedParts
from app.schedules.spec import parse_spec
from app.schedules.timing import build_schedule, next_fire

TZ = "Asia/Seoul"
TASK = "app.tasks.scheduler.crawl_all_complexes"
LAST = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
RAWS: list[dict[str, Any]] = [
    {"task": TASK, "hour": 14, "minute": 30, "day_of_week": "3", "kwargs": {"a": [1]}},
    {"task": TASK, "interval": 172800, "anchor": "2024-01-01T01:00", "overlap": "buffer_one"},
    {"task": TASK, "interval": 60, "args": [1, "두"], "queue": "q", "priority": 3},
]


def ours(name: str, raw: dict[str, Any]) -> list[str | None]:
    fields = codec.encode(name, parse_spec(raw), "api", TZ, celery_app)
    meta = codec.encode_meta(LAST, 2)
    return [fields["definition"], meta, fields["manager"], None]


def redbeats(name: str, raw: dict[str, Any]) -> list[str | None]:
    """What RedBeat's own save() writes: its JSON definition, no manager."""
    spec = parse_spec(raw)
    definition = {
        "name": name,
        "task": spec.task,
        "args": spec.args,
        "kwargs": spec.kwargs,
        "options": spec.options.model_dump(exclude_none=True),
        "schedule": build_schedule(spec, TZ, celery_app),
        "enabled": True,
    }
    return [json.dumps(definition, cls=RedBeatJSONEncoder), codec.encode_meta(LAST, 0), None]


def view(entry: Entry | None) -> tuple[Any, ...]:
    assert entry is not None
    # A RedBeat rrule's next time is counted from now (timing.next_fire): to the second.
    following = next_fire(entry.schedule, LAST)
    assert following is not None
    spec = entry.spec.to_document() if entry.spec is not None else None
    return (
        entry.name, entry.task, entry.args, entry.kwargs, entry.options, entry.enabled,
        entry.origin, spec, repr(entry.schedule), entry.last_run_at, entry.total_run_count,
        round(following.timestamp()),
    )  # fmt: skip


@pytest.mark.parametrize("write", [ours, redbeats], ids=["ours", "redbeat"])
@pytest.mark.parametrize("raw", RAWS, ids=["crontab", "anchored", "interval"])
def test_shared_reads_equal_plain_reads_entry_by_entry(write: Any, raw: dict[str, Any]) -> None:
    shared = SharedParts()
    for name in ("첫째", "둘째", "셋째"):
        fields = write(name, raw)
        plain = codec.decode(f"redbeat:{name}", fields, TZ, celery_app)
        assert view(codec.decode(f"redbeat:{name}", fields, TZ, celery_app, shared)) == view(plain)


def test_entries_with_one_timing_share_its_schedule_object_and_others_do_not() -> None:
    shared = SharedParts()
    a = codec.decode("redbeat:a", ours("a", RAWS[0]), TZ, celery_app, shared)
    b = codec.decode("redbeat:b", ours("b", RAWS[0]), TZ, celery_app, shared)
    c = codec.decode("redbeat:c", ours("c", RAWS[2]), TZ, celery_app, shared)
    assert a is not None and b is not None and c is not None
    assert a.schedule is b.schedule and a.spec is b.spec
    assert c.schedule is not a.schedule


def test_the_table_is_bounded() -> None:
    shared = SharedParts(size=2)
    for i, raw in enumerate(RAWS * 2):
        codec.decode(f"redbeat:n{i}", redbeats(f"n{i}", raw), TZ, celery_app, shared)
        codec.decode(f"redbeat:o{i}", ours(f"o{i}", raw), TZ, celery_app, shared)
    assert len(shared._ours) <= 2 and len(shared._foreign) <= 2


@pytest.mark.parametrize(
    "moment",
    [
        None,
        datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5),
        datetime(2026, 7, 2, 3, 4, 5, tzinfo=ZoneInfo("Asia/Seoul")),
        datetime(2026, 1, 2, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
    ],
)
def test_meta_is_the_text_redbeats_encoder_writes(moment: datetime | None) -> None:
    want = json.dumps(
        {"last_run_at": moment, "total_run_count": 7}, cls=RedBeatJSONEncoder, ensure_ascii=False
    )
    assert codec.encode_meta(moment, 7) == want
    assert codec.decode_meta(want) == (
        moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC),
        7,
    )
