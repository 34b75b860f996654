"""app/schedules/entry.py: RedBeat's definition and meta plus our manager field."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from celery.schedules import BaseSchedule, crontab, schedule
from redbeat import RedBeatSchedulerEntry
from redbeat.decoder import RedBeatJSONEncoder
from redbeat.schedules import rrule

from app.core.celery_app import celery_app
from app.core.constants import FIELD_DEFINITION, FIELD_MANAGER
from app.schedules import entry as codec
from app.schedules.entry import Entry, Origin
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec
from app.schedules.timing import build_schedule, next_fire

TZ = "Asia/Seoul"
TASK = "app.tasks.scheduler.crawl_all_complexes"
SUPPLIER = "app.tasks.collection.collect_supplier"
LATER = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)

SPECS: list[Any] = [
    pytest.param({"task": TASK, "hour": 14, "minute": 30, "day_of_week": "3"}, id="seed004_body"),
    pytest.param(
        {"task": TASK, "day_of_week": "1", "hour": 6, "minute": 0, "expires": 3600},
        id="weekly_with_expires",
    ),
    pytest.param(
        {
            "task": SUPPLIER,
            "cron": "0 3 * * *",
            "kwargs": {"supplier": "오너클랜"},
            "queue": "collect",
            "priority": 5,
            "description": "오너클랜 상품 수집",
            "max_retries": 3,
            "timeout_seconds": 3600,
        },
        id="cron_full",
    ),
    pytest.param({"task": TASK, "interval": 1800, "enabled": False}, id="interval_disabled"),
    pytest.param(
        {"task": TASK, "interval": 172800, "anchor": "2024-01-01T01:00", "overlap": "buffer_one"},
        id="anchored",
    ),
    pytest.param({"task": TASK, "at": "2026-03-05T09:00", "timezone": "UTC"}, id="once"),
    pytest.param(
        {"task": TASK, "hour": 9, "timezone": "America/New_York", "args": [1.5, True]},
        id="zoned_with_args",
    ),
]


def _round_trip(raw: dict[str, Any], origin: Origin, meta: str | None = None) -> Entry:
    spec = parse_spec(raw)
    fields = codec.encode("주간업데이트", spec, origin, TZ, celery_app)
    decoded = codec.decode(
        entry_key("주간업데이트"),
        [fields[FIELD_DEFINITION], meta, fields[FIELD_MANAGER]],
        TZ,
        celery_app,
    )
    assert decoded is not None
    return decoded


@pytest.mark.parametrize("origin", ["file", "api", "redbeat"])
@pytest.mark.parametrize("raw", SPECS)
def test_round_trip_keeps_everything(raw: dict[str, Any], origin: Origin) -> None:
    spec = parse_spec(raw)
    entry = _round_trip(raw, origin)
    assert entry.name == "주간업데이트"
    assert entry.key == "redbeat:주간업데이트"
    assert entry.task == spec.task
    assert entry.args == spec.args
    assert entry.kwargs == spec.kwargs
    assert entry.options == spec.options.model_dump(exclude_none=True)
    assert entry.enabled is spec.enabled
    assert entry.origin == origin
    assert entry.spec == spec
    assert (entry.last_run_at, entry.total_run_count) == (None, 0)


@pytest.mark.parametrize("raw", SPECS)
def test_decoded_schedule_fires_like_the_spec(raw: dict[str, Any]) -> None:
    entry = _round_trip(raw, "api")
    expected = build_schedule(parse_spec(raw), TZ, celery_app)
    after = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert next_fire(entry.schedule, after) == next_fire(expected, after)


@pytest.mark.parametrize(
    ("last_run_at", "count"),
    [(None, 0), (datetime(2026, 3, 9, 6, 0, 0, 250000, tzinfo=UTC), 1), (LATER, 41)],
)
def test_meta_round_trip(last_run_at: datetime | None, count: int) -> None:
    entry = _round_trip(
        {"task": TASK, "interval": 60}, "api", codec.encode_meta(last_run_at, count)
    )
    assert (entry.last_run_at, entry.total_run_count) == (last_run_at, count)


def test_missing_hash_decodes_to_none() -> None:
    assert codec.decode("redbeat:gone", [None, None, None], TZ, celery_app) is None


@pytest.mark.parametrize("raw", SPECS)
def test_stock_redbeat_can_read_our_definition(raw: dict[str, Any]) -> None:
    fields = codec.encode("주간업데이트", parse_spec(raw), "api", TZ, celery_app)
    definition = RedBeatSchedulerEntry.decode_definition(fields[FIELD_DEFINITION])
    stock = RedBeatSchedulerEntry(app=celery_app, **definition)
    assert (stock.name, stock.task) == ("주간업데이트", parse_spec(raw).task)
    assert isinstance(stock.schedule, BaseSchedule)


def test_stock_redbeat_reads_an_anchored_interval_as_the_same_rrule() -> None:
    fields = codec.encode(
        "격일",
        parse_spec({"task": TASK, "interval": 172800, "anchor": "2024-01-01T01:00"}),
        "file",
        TZ,
        celery_app,
    )
    definition = RedBeatSchedulerEntry.decode_definition(fields[FIELD_DEFINITION])
    occurrences = list(definition["schedule"].rrule[:3])
    assert [o.isoformat() for o in occurrences] == [
        "2024-01-01T01:00:00+09:00",
        "2024-01-03T01:00:00+09:00",
        "2024-01-05T01:00:00+09:00",
    ]


def _stock_definition(sched: Any, **extra: Any) -> str:
    """The definition field exactly as RedBeatSchedulerEntry.save() writes it."""
    stock = RedBeatSchedulerEntry(
        name="임시_테스트", task=TASK, schedule=sched, app=celery_app, **extra
    )
    definition = {
        "name": stock.name,
        "task": stock.task,
        "args": stock.args,
        "kwargs": stock.kwargs,
        "options": stock.options,
        "schedule": stock.schedule,
        "enabled": stock.enabled,
    }
    return json.dumps(definition, cls=RedBeatJSONEncoder)


# (schedule as seed 004's third method builds it, the spec timing it must decode to)
FOREIGN: list[Any] = [
    pytest.param(
        crontab(hour=16, minute=0, day_of_week=3),
        {
            "minute": "0",
            "hour": "16",
            "day_of_week": "3",
            "day_of_month": "*",
            "month_of_year": "*",
        },
        id="crontab",
    ),
    pytest.param(
        crontab(minute="*/15"),
        {
            "minute": "*/15",
            "hour": "*",
            "day_of_week": "*",
            "day_of_month": "*",
            "month_of_year": "*",
        },
        id="crontab_step",
    ),
    pytest.param(schedule(300), {"interval": 300.0}, id="interval"),
    pytest.param(rrule("DAILY", dtstart=datetime(2026, 1, 1, tzinfo=UTC)), None, id="rrule"),
]


def _foreign(sched: Any, manager: str | None = None, meta: str | None = None) -> Entry:
    decoded = codec.decode(
        entry_key("임시_테스트"), [_stock_definition(sched), meta, manager], TZ, celery_app
    )
    assert decoded is not None
    return decoded


@pytest.mark.parametrize(("sched", "timing"), FOREIGN)
def test_stock_redbeat_entry_is_a_foreign_entry(sched: Any, timing: dict[str, Any] | None) -> None:
    entry = _foreign(sched, meta=json.dumps({"last_run_at": None}))
    assert (entry.name, entry.task, entry.origin) == ("임시_테스트", TASK, "redbeat")
    assert entry.enabled is True
    assert (entry.args, entry.kwargs) == ([], {})
    assert type(entry.schedule) is type(sched)
    if timing is None:
        assert entry.spec is None
    else:
        assert entry.spec == parse_spec({"task": TASK, **timing})


def test_foreign_entry_keeps_stock_run_state() -> None:
    meta = json.dumps({"last_run_at": LATER, "total_run_count": 3}, cls=RedBeatJSONEncoder)
    entry = _foreign(crontab(hour=16, minute=0), meta=meta)
    assert (entry.last_run_at, entry.total_run_count) == (LATER, 3)


@pytest.mark.parametrize(("sched", "timing"), FOREIGN)
def test_definition_wins_over_a_stale_manager(sched: Any, timing: dict[str, Any] | None) -> None:
    # Ours first, then rewritten by stock RedBeat: the manager no longer matches.
    ours = codec.encode(
        "임시_테스트",
        parse_spec({"task": SUPPLIER, "cron": "0 3 * * *", "kwargs": {"supplier": "오너클랜"}}),
        "file",
        TZ,
        celery_app,
    )
    entry = _foreign(sched, manager=ours[FIELD_MANAGER])
    assert entry.task == TASK
    assert entry.kwargs == {}
    assert type(entry.schedule) is type(sched)
    assert entry.spec == (None if timing is None else parse_spec({"task": TASK, **timing}))
    # Who manages it is still known: a file entry stays file-managed.
    assert entry.origin == "file"


def test_etag_follows_the_definition() -> None:
    one = _round_trip({"task": TASK, "cron": "0 3 * * *"}, "api")
    again = _round_trip({"task": TASK, "cron": "0 3 * * *"}, "api")
    other = _round_trip({"task": TASK, "cron": "0 4 * * *"}, "api")
    assert one.etag == again.etag != other.etag


@pytest.mark.parametrize(
    "change", [{"timezone": "UTC"}, {"description": "매일"}, {"max_retries": 2}], ids=str
)
def test_etag_changes_with_any_edit(change: dict[str, Any]) -> None:
    base = {"task": TASK, "cron": "0 3 * * *"}
    assert _round_trip(base, "api").etag != _round_trip({**base, **change}, "api").etag


def test_foreign_spec_keeps_options() -> None:
    stock = _stock_definition(crontab(hour=6, minute=0, day_of_week=1), options={"expires": 3600})
    entry = codec.decode(entry_key("임시_테스트"), [stock, None, None], TZ, celery_app)
    assert entry is not None and entry.options == {"expires": 3600}
    assert entry.spec is not None and entry.spec.options.expires == 3600


@pytest.mark.parametrize(
    ("meta", "last_sent_at"),
    [
        # RedBeatSchedulerEntry.save(): the time of saving, no run count. Not a run.
        pytest.param({"last_run_at": LATER}, None, id="stock_save"),
        pytest.param({"last_run_at": LATER, "total_run_count": 0}, None, id="count_zero"),
        pytest.param({"last_run_at": LATER, "total_run_count": 2}, LATER, id="ran"),
        pytest.param({"last_run_at": None}, None, id="never"),
    ],
)
def test_last_sent_at_counts_only_real_runs(
    meta: dict[str, Any], last_sent_at: datetime | None
) -> None:
    entry = _foreign(crontab(hour=16, minute=0), meta=json.dumps(meta, cls=RedBeatJSONEncoder))
    assert entry.last_sent_at == last_sent_at
    # Beat still counts the next slot from the stored value.
    assert entry.last_run_at == meta["last_run_at"]


def test_overdue_counts_from_when_beat_sends_not_the_early_score() -> None:
    saved = datetime(2026, 3, 4, 6, 30, 0, 250000, tzinfo=UTC)  # 15:30 in Seoul
    entry = _foreign(crontab(hour=16, minute=0), meta=codec.encode_meta(saved, 0))
    entry.next_run_at = datetime(2026, 3, 4, 6, 59, 59, tzinfo=UTC)  # RedBeat's truncation
    assert entry.due_at == datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
    assert codec.overdue_by(entry, datetime(2026, 3, 4, 6, 59, 59, 500000, tzinfo=UTC)) is None
    late = codec.overdue_by(entry, datetime(2026, 3, 4, 7, 0, 2, tzinfo=UTC))
    assert late == timedelta(seconds=2)
