"""app/schedules_file/format.py and schema.py: reading, writing and describing schedules.json."""

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from app.core.config import DEFAULT_SCHEDULES_FILE
from app.schedules import schema
from app.schedules.registry import TaskRegistry
from app.schedules.spec import ScheduleSpec, parse_spec
from app.schedules_file.format import (
    FileError,
    load_file,
    parse_document,
    render_document,
    validate_document,
)

SHIPPED = DEFAULT_SCHEDULES_FILE
SHIPPED_SCHEMA = SHIPPED.with_name("schedules.schema.json")
TASK = "app.tasks.scheduler.crawl_all_complexes"
DAILY = {"day_of_month": "*", "month_of_year": "*", "day_of_week": "*"}


def at(minute: str, hour: str, day_of_week: str = "*") -> dict[str, str]:
    return {**DAILY, "minute": minute, "hour": hour, "day_of_week": day_of_week}


@pytest.fixture(scope="module")
def shipped(registry: TaskRegistry) -> dict[str, ScheduleSpec]:
    return load_file(SHIPPED, registry).specs


# (task, cron fields, kwargs) of seed 000's six jobs and seed 001's jobs.
SEED_JOBS = [
    pytest.param(
        "app.tasks.collection.collect_wholesale_products",
        at("0", "2"),
        {"suppliers": ["zentrade", "ownerclan", "domeggook", "domomae"], "test_mode": False},
        id="000_wholesale_2am",
    ),
    pytest.param(
        "app.tasks.collection.collect_bestsellers",
        at("0", "14"),
        {"marketplaces": ["coupang", "naver"]},
        id="000_bestsellers_2pm",
    ),
    pytest.param(
        "app.tasks.media.process_images",
        at("0", "3"),
        {"limit": 100, "suppliers": None},
        id="000_images_3am",
    ),
    pytest.param(
        "app.tasks.maintenance.cleanup_old_data",
        at("0", "1", "0"),
        {"days": 30},
        id="000_cleanup_sunday_1am",
    ),
    pytest.param(
        "app.tasks.reports.generate_daily_report", at("0", "23"), {}, id="000_report_11pm"
    ),
    pytest.param("app.tasks.reports.analyze_trends", at("0", "18"), {}, id="000_trends_6pm"),
    pytest.param(
        "app.tasks.collection.collect_supplier",
        at("0", "3"),
        {"supplier": "오너클랜"},
        id="001_ownerclan",
    ),
    pytest.param(
        "app.tasks.collection.collect_supplier",
        at("0", "4"),
        {"supplier": "젠트레이드"},
        id="001_zentrade",
    ),
    pytest.param(
        "app.tasks.collection.collect_all_suppliers", at("0", "2", "0"), {}, id="001_all_sunday_2am"
    ),
]


@pytest.mark.parametrize(("task", "fields", "kwargs"), SEED_JOBS)
def test_shipped_file_has_seed_job(
    shipped: dict[str, ScheduleSpec], task: str, fields: dict[str, str], kwargs: dict[str, Any]
) -> None:
    matches = [
        s
        for s in shipped.values()
        if s.task == task and s.timing_kind in ("cron", "crontab") and s.cron_fields() == fields
    ]
    assert [s.kwargs for s in matches] == [kwargs]
    assert matches[0].enabled


def test_shipped_file_has_seed004_weekly_update(shipped: dict[str, ScheduleSpec]) -> None:
    spec = shipped["주간업데이트"]
    assert spec.task == TASK
    assert spec.cron_fields() == at("0", "6", "1")
    assert spec.options.expires == 3600


def test_shipped_file_has_seed001_health_check(shipped: dict[str, ScheduleSpec]) -> None:
    checks = [s for s in shipped.values() if s.task == "app.tasks.maintenance.health_check"]
    assert [(s.timing_kind, s.interval) for s in checks] == [("interval", 1800.0)]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{\n  "schedules": {\n    "a": {,}\n  }\n}', "line 3, column 11"),
        ('{"schedules": {}', "line 1, column 17"),
        ('{\n\n  "schedules": {"a": {"task": "x" "interval": 5}}\n}', "line 3, column 35"),
        ("", "line 1, column 1"),
    ],
)
def test_bad_json_reports_line_and_column(
    tmp_path: Path, registry: TaskRegistry, text: str, where: str
) -> None:
    path = tmp_path / "schedules.json"
    path.write_text(text)
    with pytest.raises(FileError) as caught:
        load_file(path, registry)
    assert where in caught.value.message
    assert caught.value.path == path


@pytest.mark.parametrize(
    "text",
    [
        '{"schedules": {"a": {"task": "x", "interval": 5}, "a": {"task": "x", "interval": 6}}}',
        '{"schedules": {"a": {"task": "x", "interval": 5, "interval": 6}}}',
        '{"schedules": {}, "schedules": {}}',
    ],
)
def test_duplicate_keys_are_refused(text: str) -> None:
    with pytest.raises(FileError, match="duplicate key"):
        parse_document(text, SHIPPED)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", '"schedules" object'),
        ('{"schedules": []}', '"schedules" object'),
        ('{"$schema": "./schedules.schema.json"}', '"schedules" object'),
        ('{"schedules": {}, "extra": 1}', "unknown top-level keys: extra"),
    ],
)
def test_bad_top_level_is_refused(text: str, message: str) -> None:
    with pytest.raises(FileError, match=message):
        parse_document(text, SHIPPED)


def test_unreadable_and_non_utf8_files(tmp_path: Path, registry: TaskRegistry) -> None:
    with pytest.raises(FileError, match="cannot read"):
        load_file(tmp_path / "missing.json", registry)
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(b'{"schedules": {"caf\xe9": {}}}')
    with pytest.raises(FileError, match="not UTF-8 at byte 19"):
        load_file(latin1, registry)


# (entry, the field the problem names, its value)
BAD_ENTRIES = [
    ({"task": TASK, "hour": "25"}, "hour", "25"),
    ({"task": "nope", "interval": 60}, "task", "nope"),
    ({"task": "process_images", "interval": 60, "kwargs": {"limit": "100"}}, "kwargs.limit", "100"),
    ({"task": TASK, "interval": 60, "color": "red"}, "color", "red"),
    ({"task": TASK, "cron": "0 3 * * *", "timezone": "Mars/Base"}, "timezone", "Mars/Base"),
]


@pytest.mark.parametrize(("raw", "field", "value"), BAD_ENTRIES)
def test_invalid_entry_names_schedule_and_field(
    registry: TaskRegistry, raw: dict[str, Any], field: str, value: Any
) -> None:
    doc = {"schedules": {"good": {"task": TASK, "interval": 60}, "테스트_크롤링": raw}}
    with pytest.raises(FileError) as caught:
        validate_document(doc, SHIPPED, registry)
    assert [(p.field, p.value) for p in caught.value.problems] == [
        (f"schedules.테스트_크롤링.{field}", value)
    ]
    assert f"schedules.테스트_크롤링.{field}" in caught.value.message


def test_every_invalid_entry_is_reported_at_once(registry: TaskRegistry) -> None:
    doc = {
        "schedules": {
            "a": {"task": "nope", "interval": 60},
            "b\n": {"task": TASK, "interval": 60},
            "c": {"task": TASK},
        }
    }
    with pytest.raises(FileError) as caught:
        validate_document(doc, SHIPPED, registry)
    assert [p.field for p in caught.value.problems] == [
        "schedules.a.task",
        "schedules.b\n.name",
        "schedules.c.timing",
    ]


def test_bare_task_names_are_stored_in_full(registry: TaskRegistry) -> None:
    doc = {"schedules": {"a": {"task": "crawl_all_complexes", "interval": 60}}}
    assert validate_document(doc, SHIPPED, registry)["a"].task == TASK


EXTRA_SPECS = {
    "격일_01시": parse_spec({"task": TASK, "interval": 172800, "anchor": "2024-01-01T01:00"}),
    "한번": parse_spec({"task": TASK, "at": "2026-03-05T09:00:00+09:00", "enabled": False}),
    "뉴욕": parse_spec(
        {
            "task": TASK,
            "hour": 9,
            "timezone": "America/New_York",
            "args": [1],
            "queue": "q",
            "priority": 3,
            "overlap": "allow",
            "min_gap_seconds": 7200,
            "catchup_window_seconds": 600,
            "lock_key": "계정1",
        }
    ),
}


def test_render_then_parse_gives_equal_specs(
    registry: TaskRegistry, shipped: dict[str, ScheduleSpec]
) -> None:
    specs = {**shipped, **EXTRA_SPECS}
    text = render_document(specs)
    assert validate_document(parse_document(text, SHIPPED), SHIPPED, registry) == specs


def test_render_is_stable_and_readable(shipped: dict[str, ScheduleSpec]) -> None:
    text = render_document(shipped)
    assert text == render_document(dict(reversed(list(shipped.items()))))
    assert "주간업데이트" in text
    assert json.loads(text)["$schema"] == "./schedules.schema.json"


def test_shipped_schema_is_current() -> None:
    # Fails when the spec model changes without regenerating the file (see schema.py).
    assert SHIPPED_SCHEMA.read_text(encoding="utf-8") == schema.render()


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    document = json.loads(SHIPPED_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


def test_schema_validates_the_shipped_file(validator: jsonschema.Draft202012Validator) -> None:
    validator.validate(json.loads(SHIPPED.read_text(encoding="utf-8")))


def test_schema_validates_an_export(
    validator: jsonschema.Draft202012Validator, shipped: dict[str, ScheduleSpec]
) -> None:
    validator.validate(json.loads(render_document({**shipped, **EXTRA_SPECS})))


@pytest.mark.parametrize(
    "entry",
    [
        {"task": TASK, "interval": 60, "color": "red"},
        {"task": TASK, "interval": "often"},
        {"task": TASK, "interval": 60, "policy": {"overlap": "queue"}},
        {"interval": 60},
    ],
)
def test_schema_refuses_bad_entries(
    validator: jsonschema.Draft202012Validator, entry: dict[str, Any]
) -> None:
    assert not validator.is_valid({"schedules": {"a": entry}})


@pytest.mark.parametrize(
    "entry",
    [
        {"task": TASK, "cron": "0 3 * * *", "parameters": {"test_mode": False}},
        {"task": TASK, "cron": "0 3 * * *", "max_retries": 3, "timeout_seconds": 3600},
        {"task": TASK, "cron": "0 3 * * *", "queue": "q", "expires": 3600},
    ],
    ids=["parameters", "flat_policy", "flat_options"],
)
def test_schema_accepts_what_the_loader_accepts(
    validator: jsonschema.Draft202012Validator, entry: dict[str, Any]
) -> None:
    parse_spec(entry)  # the loader takes it
    assert validator.is_valid({"schedules": {"a": entry}})
