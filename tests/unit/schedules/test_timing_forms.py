"""app/schedules/timing_forms.py: seed 002's schedule_type + schedule_value, read as our
own timings wherever a definition is read, and refused naming the field it came in."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.core.config import DEFAULT_SCHEDULES_FILE
from app.schedules.errors import InvalidSchedule
from app.schedules.patch import merge_patch
from app.schedules.registry import TaskRegistry
from app.schedules.spec import parse_spec
from app.schedules_file.format import FileError, load_file

TASK = "app.tasks.tables.create_daily_tables"


def seed(kind: Any, value: Any, **extra: Any) -> dict[str, Any]:
    return {"task": TASK, "schedule_type": kind, "schedule_value": value, **extra}


# (id, schedule_type, schedule_value, the stored document's timing)
MAPPED: list[tuple[str, Any, Any, dict[str, Any]]] = [
    ("interval_text", "INTERVAL", "30", {"interval": 30.0}),
    ("interval_number", "INTERVAL", 30, {"interval": 30.0}),
    ("interval_fraction", "interval", 1.5, {"interval": 1.5}),
    ("daily", "DAILY", "14:30", {"hour": "14", "minute": "30"}),
    ("daily_2am_lower_case", "daily", "02:00", {"hour": "2", "minute": "0"}),
    ("daily_one_digit_hour", "DAILY", "2:05", {"hour": "2", "minute": "5"}),
    ("once_text", "ONCE", "2030-01-01T12:00:00", {"at": "2030-01-01T12:00:00"}),
    (
        "once_datetime",
        "ONCE",
        datetime(2030, 1, 1, 3, 0, tzinfo=UTC),
        {"at": "2030-01-01T03:00:00Z"},
    ),
    ("cron", "CRON", "0 0 * * *", {"cron": "0 0 * * *"}),
    ("cron_spaces", "Cron", " 0  0 * * 1 ", {"cron": "0 0 * * 1"}),
]


@pytest.mark.parametrize(
    ("kind", "value", "timing"), [m[1:] for m in MAPPED], ids=[m[0] for m in MAPPED]
)
def test_seed_form_is_stored_as_our_timing(kind: Any, value: Any, timing: dict[str, Any]) -> None:
    document = parse_spec(seed(kind, value)).to_document()
    assert document == {"task": TASK, **timing}


# (id, definition, the field the refusal names, words in its message)
REFUSED: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown_type", seed("WEEKLY", "1"), "schedule_type", "INTERVAL, DAILY, ONCE, CRON"),
    ("value_without_type", {"task": TASK, "schedule_value": 30}, "schedule_type", "one of"),
    ("interval_zero", seed("INTERVAL", 0), "schedule_value", "from 1"),
    ("interval_bool", seed("INTERVAL", True), "schedule_value", "seconds"),
    ("interval_words", seed("INTERVAL", "thirty"), "schedule_value", "seconds"),
    ("interval_nan", seed("INTERVAL", "nan"), "schedule_value", "seconds"),
    # float() of it raised OverflowError, which pydantic let through (a 500).
    ("interval_400_digits", seed("INTERVAL", 10**400), "schedule_value", "seconds"),
    ("interval_400_digit_text", seed("INTERVAL", "1" + "0" * 400), "schedule_value", "seconds"),
    ("daily_24h", seed("DAILY", "24:00"), "schedule_value", "HH:MM"),
    ("daily_minute_60", seed("DAILY", "14:60"), "schedule_value", "HH:MM"),
    ("daily_seconds", seed("DAILY", "14:30:00"), "schedule_value", "HH:MM"),
    ("daily_number", seed("DAILY", 1430), "schedule_value", "HH:MM"),
    ("once_none", seed("ONCE", None), "schedule_value", "run-now"),
    ("once_words", seed("ONCE", "tomorrow"), "schedule_value", "ISO-8601"),
    ("once_year_1", seed("ONCE", "0001-01-01T00:00:00"), "schedule_value", "years"),
    # Not read as Unix seconds (99999999999 would be 1973) or milliseconds.
    ("once_number", seed("ONCE", 99999999999), "schedule_value", "not a number"),
    ("once_number_text", seed("ONCE", "1900000000"), "schedule_value", "not a number"),
    ("once_huge_number", seed("ONCE", 10**400), "schedule_value", "not a number"),
    ("cron_four_fields", seed("CRON", "0 0 * *"), "schedule_value", "5 fields"),
    ("cron_bad_hour", seed("CRON", "0 24 * * *"), "schedule_value", "hour"),
    ("with_interval", seed("DAILY", "14:30", interval=60), "timing", "interval"),
    ("with_crontab_field", seed("DAILY", "14:30", day_of_week="1"), "timing", "day_of_week"),
]


@pytest.mark.parametrize(
    ("raw", "field", "words"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_bad_seed_form_names_its_field(raw: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        parse_spec(raw)
    [problem] = caught.value.problems
    assert problem.field == field
    assert words in problem.message


def test_a_value_no_reader_foresaw_is_refused_naming_schedule_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def overflow(value: Any) -> float:
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr("app.schedules.timing_forms._seconds", overflow)
    with pytest.raises(InvalidSchedule) as caught:
        parse_spec(seed("INTERVAL", 30))
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == ("schedule_value", 30)


def test_patch_with_seed_form_replaces_the_stored_timing() -> None:
    stored = parse_spec({"task": TASK, "cron": "0 3 * * 1", "description": "x"}).to_document()
    merged = merge_patch(stored, {"schedule_type": "DAILY", "schedule_value": "14:30"})
    assert parse_spec(merged).to_document() == {
        "task": TASK,
        "hour": "14",
        "minute": "30",
        "description": "x",
    }


def test_patch_with_a_value_alone_asks_for_its_type() -> None:
    stored = parse_spec(seed("DAILY", "14:30")).to_document()
    with pytest.raises(InvalidSchedule) as caught:
        parse_spec(merge_patch(stored, {"schedule_value": "15:00"}))
    assert [p.field for p in caught.value.problems] == ["schedule_type"]


def test_schedules_file_takes_the_seed_form(tmp_path: Path, registry: TaskRegistry) -> None:
    path = tmp_path / "schedules.json"
    path.write_text(
        '{"schedules": {"일일": {"task": "create_daily_tables", '
        '"schedule_type": "DAILY", "schedule_value": "02:00"}}}',
        encoding="utf-8",
    )
    spec = load_file(path, registry).specs["일일"]
    assert (spec.task, spec.cron_fields()["hour"], spec.cron_fields()["minute"]) == (
        TASK,
        "2",
        "0",
    )


def test_schedules_file_names_the_entry_and_field(tmp_path: Path, registry: TaskRegistry) -> None:
    path = tmp_path / "schedules.json"
    path.write_text(
        '{"schedules": {"일일": {"task": "create_daily_tables", '
        '"schedule_type": "DAILY", "schedule_value": "2pm"}}}',
        encoding="utf-8",
    )
    with pytest.raises(FileError, match=r"schedules\.일일\.schedule_value"):
        load_file(path, registry)


def test_a_huge_number_in_schedules_json_is_a_refused_file(
    tmp_path: Path, registry: TaskRegistry
) -> None:
    path = tmp_path / "schedules.json"
    path.write_text(
        '{"schedules": {"big": {"task": "create_daily_tables", '
        f'"schedule_type": "INTERVAL", "schedule_value": 1{"0" * 400}}}}}}}',
        encoding="utf-8",
    )
    with pytest.raises(FileError, match=r"schedules\.big\.schedule_value"):
        load_file(path, registry)


def test_an_unforeseen_error_in_an_entry_is_a_refused_file(
    tmp_path: Path, registry: TaskRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise ZeroDivisionError("no reader foresaw this")

    monkeypatch.setattr("app.schedules_file.format.validate_spec", broken)
    path = tmp_path / "schedules.json"
    path.write_text('{"schedules": {"x": {"task": "create_daily_tables"}}}', encoding="utf-8")
    with pytest.raises(FileError) as caught:
        load_file(path, registry)
    assert [p.field for p in caught.value.problems] == ["schedules.x"]
    assert "ZeroDivisionError" in caught.value.problems[0].message


def test_json_nested_too_deeply_is_a_refused_file(tmp_path: Path, registry: TaskRegistry) -> None:
    path = tmp_path / "schedules.json"
    path.write_text('{"schedules": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}", "utf-8")
    with pytest.raises(FileError, match="nested too deeply"):
        load_file(path, registry)


def test_shipped_daily_table_creation_is_seed_002s_locked_2am_job(
    registry: TaskRegistry,
) -> None:
    spec = load_file(DEFAULT_SCHEDULES_FILE, registry).specs["daily_table_creation"]
    assert spec.task == TASK
    assert spec.cron_fields() == {
        "minute": "0",
        "hour": "2",
        "day_of_month": "*",
        "month_of_year": "*",
        "day_of_week": "*",
    }
    assert (spec.policy.lock_key, spec.policy.lease_seconds, spec.policy.max_retries) == (
        "scheduler:create_daily_tables",
        1800,
        3,
    )
