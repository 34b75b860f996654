"""app/schedules/spec.py: what a definition may say, and what each refusal names."""

from datetime import datetime
from typing import Any

import pytest

from app.schedules.errors import InvalidSchedule
from app.schedules.spec import NAME_MAX_LENGTH, parse_spec, validate_name

TASK = "app.tasks.scheduler.crawl_all_complexes"

# (id, raw definition, what the parsed spec must say: attribute path -> value)
VALID: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "seed004_post_body",
        {"task": TASK, "hour": 14, "minute": 30, "day_of_week": "3"},
        {
            "timing_kind": "crontab",
            "hour": "14",
            "minute": "30",
            "day_of_week": "3",
            "cron_fields": {
                "minute": "30",
                "hour": "14",
                "day_of_month": "*",
                "month_of_year": "*",
                "day_of_week": "3",
            },
        },
    ),
    (
        "cron_string",
        {"task": TASK, "cron": "0 3 * * *"},
        {
            "timing_kind": "cron",
            "cron_fields": {
                "minute": "0",
                "hour": "3",
                "day_of_month": "*",
                "month_of_year": "*",
                "day_of_week": "*",
            },
        },
    ),
    (
        "cron_every_two_hours",
        {"task": TASK, "cron": "0 */2 * * *"},
        {"timing_kind": "cron", "cron": "0 */2 * * *"},
    ),
    ("interval", {"task": TASK, "interval": 30}, {"timing_kind": "interval", "interval": 30.0}),
    (
        "interval_with_anchor",
        {"task": TASK, "interval": 172800, "anchor": "2024-01-01T01:00"},
        {
            "timing_kind": "interval",
            "interval": 172800.0,
            "anchor": datetime(2024, 1, 1, 1, 0),
        },
    ),
    (
        "one_off_at",
        {"task": TASK, "at": "2026-03-05T09:00"},
        {"timing_kind": "once", "at": datetime(2026, 3, 5, 9, 0)},
    ),
    (
        "parameters_alias_for_kwargs",
        {"task": TASK, "cron": "0 3 * * *", "parameters": {"test_mode": False}},
        {"kwargs": {"test_mode": False}},
    ),
    (
        "flat_policy_fields_lifted",
        {"task": TASK, "cron": "0 3 * * *", "max_retries": 3, "timeout_seconds": 3600},
        {"policy.max_retries": 3, "policy.timeout_seconds": 3600.0},
    ),
    (
        "flat_option_fields_lifted",
        {"task": TASK, "cron": "0 3 * * *", "queue": "crawl", "expires": 3600},
        {"options.queue": "crawl", "options.expires": 3600.0},
    ),
    (
        "nested_policy_and_options",
        {
            "task": TASK,
            "interval": 60,
            "policy": {"overlap": "buffer_one", "lock_key": "계정1"},
            "options": {"priority": 9},
        },
        {"policy.overlap": "buffer_one", "policy.lock_key": "계정1", "options.priority": 9},
    ),
    (
        "timezone_and_disabled",
        {"task": TASK, "hour": 9, "timezone": "America/New_York", "enabled": False},
        {"timezone": "America/New_York", "enabled": False},
    ),
    (
        "defaults",
        {"task": TASK, "interval": 1},
        {
            "enabled": True,
            "kwargs": {},
            "args": [],
            "policy.overlap": "skip",
            "policy.max_retries": 0,
            "options.queue": None,
        },
    ),
]


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj() if callable(obj) else obj


@pytest.mark.parametrize(("raw", "expected"), [v[1:] for v in VALID], ids=[v[0] for v in VALID])
def test_valid_definitions(raw: dict[str, Any], expected: dict[str, Any]) -> None:
    spec = parse_spec(raw)
    for path, value in expected.items():
        assert _attr(spec, path) == value, path


# (raw definition, field the problem names, the bad value it reports)
INVALID = [
    pytest.param({"task": TASK, "hour": "25"}, "hour", "25", id="bad_crontab_hour"),
    pytest.param({"task": TASK, "minute": "*/0"}, "minute", "*/0", id="bad_crontab_step"),
    pytest.param({"task": TASK, "day_of_week": "8"}, "day_of_week", "8", id="bad_day_of_week"),
    pytest.param({"task": TASK, "cron": "0 25 * * *"}, "cron", "25", id="bad_cron_field"),
    pytest.param({"task": TASK, "cron": "0 3 * *"}, "cron", "0 3 * *", id="cron_four_fields"),
    pytest.param(
        {"task": TASK, "cron": "0 3 * * * *"}, "cron", "0 3 * * * *", id="cron_six_fields"
    ),
    pytest.param(
        {"task": TASK, "cron": "0 3 * * *", "interval": 5},
        "timing",
        "cron, interval",
        id="two_timings",
    ),
    pytest.param(
        {"task": TASK, "hour": 3, "at": "2026-01-01T00:00"},
        "timing",
        "crontab, once",
        id="crontab_and_at",
    ),
    pytest.param({"task": TASK}, "timing", "none", id="no_timing"),
    pytest.param(
        {"task": TASK, "cron": "0 3 * * *", "timezone": "Mars/Base"},
        "timezone",
        "Mars/Base",
        id="unknown_timezone",
    ),
    pytest.param(
        {"task": TASK, "cron": "0 3 * * *", "anchor": "2024-01-01T01:00"},
        "anchor",
        datetime(2024, 1, 1, 1, 0),
        id="anchor_without_interval",
    ),
    pytest.param(
        {"task": TASK, "cron": "0 3 * * *", "color": "red"}, "color", "red", id="extra_key"
    ),
    pytest.param({"task": TASK, "interval": 0.5}, "interval", 0.5, id="interval_below_one"),
    pytest.param({"task": TASK, "interval": 0}, "interval", 0, id="interval_zero"),
    pytest.param(
        {"task": TASK, "cron": "0 3 * * *", "priority": 10},
        "options.priority",
        10,
        id="priority_above_nine",
    ),
    pytest.param(
        {"task": TASK, "cron": "0 3 * * *", "options": {"priority": -1}},
        "options.priority",
        -1,
        id="priority_negative",
    ),
    pytest.param(
        {"task": TASK, "interval": 5, "overlap": "queue"},
        "policy.overlap",
        "queue",
        id="unknown_overlap",
    ),
    pytest.param({"task": TASK, "hour": True}, "hour", True, id="bool_hour"),
    pytest.param({"task": "", "interval": 5}, "task", "", id="empty_task"),
    pytest.param(
        {"task": TASK, "interval": 5, "lock_key": "a\nb"},
        "policy.lock_key",
        "a\nb",
        id="lock_key_control_char",
    ),
    pytest.param(
        {"task": TASK, "hour": ""},
        "hour",
        "",
        id="empty_crontab_field",
    ),
]


@pytest.mark.parametrize(("raw", "field", "value"), INVALID)
def test_invalid_definitions_name_field_and_value(
    raw: dict[str, Any], field: str, value: Any
) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        parse_spec(raw)
    assert [(p.field, p.value) for p in caught.value.problems] == [(field, value)]
    # The message an operator reads names the field too.
    assert field.rsplit(".", 1)[-1] in str(caught.value)


def test_non_object_definition_is_refused() -> None:
    with pytest.raises(InvalidSchedule) as caught:
        parse_spec(["task", TASK])
    assert caught.value.problems[0].field == "schedule"


@pytest.mark.parametrize(
    "name",
    [
        "a" * NAME_MAX_LENGTH,
        "주간업데이트",
        "테스트_크롤링",
        "커스텀 수집 작업",
        "x",
        "a:b",
        "🚀 launch",
        "back\xa0up",  # NBSP inside: drawn as a space, so seen to be one
        "a\u3000b",
    ],
)
def test_validate_name_accepts(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["a" * (NAME_MAX_LENGTH + 1), "", "a\nb", "tab\there", "bell\x07", "del\x7f", None, 42],
)
def test_validate_name_refuses(name: Any) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        validate_name(name)
    assert [(p.field, p.value) for p in caught.value.problems] == [("name", name)]


@pytest.mark.parametrize(
    ("name", "named"),
    [
        # Whitespace at either end: `backup ` would look like `backup`.
        ("backup ", "U+0020"),
        (" backup", "U+0020"),
        ("backup\xa0", "U+00A0"),
        ("\u3000backup", "U+3000"),
        ("backup\u2003", "U+2003"),
        ("backup\x85", "U+0085"),
        # Default-ignorable (drawn as nothing) though not format characters.
        ("back\u034fup", "U+034F"),
        ("back\u115fup", "U+115F"),
        ("back\u1160up", "U+1160"),
        ("back\u3164up", "U+3164"),
        ("back\uffa0up", "U+FFA0"),
        ("back\u17b4up", "U+17B4"),
        ("back\u17b5up", "U+17B5"),
        ("back\u180bup", "U+180B"),
        ("back\u180eup", "U+180E"),
        ("back\u180fup", "U+180F"),
        ("back\ufe0fup", "U+FE0F"),
        ("back\U000e0100up", "U+E0100"),
        ("back\U000e0041up", "U+E0041"),
        ("back\u2800up", "U+2800"),  # braille blank: not ignorable, but drawn empty
        ("back\xadup", "U+00AD"),
    ],
)
def test_look_alike_names_are_refused_naming_the_character(name: str, named: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        validate_name(name)
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == ("name", name)
    assert named in problem.message


def test_digest_is_stable_across_key_order_and_int_or_str_cron_fields() -> None:
    one = parse_spec({"task": TASK, "hour": 14, "minute": 30, "day_of_week": "3"})
    other = parse_spec({"day_of_week": "3", "minute": "30", "hour": "14", "task": TASK})
    assert one.digest() == other.digest()


def test_digest_is_stable_across_spellings_of_the_same_value() -> None:
    flat = parse_spec({"task": TASK, "interval": 30, "max_retries": 3, "parameters": {"a": 1}})
    nested = parse_spec(
        {"task": TASK, "interval": 30.0, "policy": {"max_retries": 3}, "kwargs": {"a": 1}}
    )
    explicit_defaults = parse_spec(
        {"task": TASK, "interval": 30, "max_retries": 3, "kwargs": {"a": 1}, "enabled": True}
    )
    assert flat.digest() == nested.digest() == explicit_defaults.digest()


@pytest.mark.parametrize(
    "change",
    [
        {"hour": "15"},
        {"minute": "31"},
        {"kwargs": {"x": 1}},
        {"enabled": False},
        {"timezone": "UTC"},
        {"description": "매주 수요일"},
        {"max_retries": 1},
        {"expires": 60},
    ],
)
def test_digest_changes_with_a_real_edit(change: dict[str, Any]) -> None:
    base = {"task": TASK, "hour": 14, "minute": 30, "day_of_week": "3"}
    assert parse_spec({**base, **change}).digest() != parse_spec(base).digest()


# Each crontab field at its bounds (minute 0-59, hour 0-23, day_of_week 0-6 as Celery
# counts, day_of_month 1-31, month_of_year 1-12), as a value, a range end, a list item
# and a step. Rows: (field, value, accepted; else what the message must name).
BOUNDS: list[tuple[str, str, str | None]] = [
    ("minute", "0", None),
    ("minute", "59", None),
    ("minute", "60", "0-59"),
    ("minute", "-1", "not a crontab item"),
    ("minute", "0-59", None),
    ("minute", "0-60", "0-59"),
    ("minute", "5,59", None),
    ("minute", "5,60", "0-59"),
    ("minute", "*/60", None),
    ("minute", "*/61", "1-60"),
    ("minute", "*/0", "1-60"),
    ("minute", "0-59/60", None),
    ("minute", "0-59/61", "1-60"),
    ("hour", "0", None),
    ("hour", "23", None),
    ("hour", "24", "0-23"),
    ("hour", "-1", "not a crontab item"),
    ("hour", "0-23", None),
    ("hour", "0-24", "0-23"),
    ("hour", "24-3", "0-23"),
    ("hour", "23-1", None),  # wraps past midnight: 23, 0, 1
    ("hour", "9,23", None),
    ("hour", "9,24", "0-23"),
    ("hour", "*/24", None),
    ("hour", "*/25", "1-24"),
    ("hour", "0-23/25", "1-24"),
    ("hour", "5/2", "needs * or a range"),
    ("hour", "1-5-9", "not a crontab item"),
    ("hour", "mon", "not a number"),
    ("day_of_week", "0", None),
    ("day_of_week", "6", None),
    ("day_of_week", "7", "0-6 (Sunday is 0)"),
    ("day_of_week", "0-6", None),
    ("day_of_week", "1-7", "0-6"),
    ("day_of_week", "sun-sat", None),
    ("day_of_week", "Monday,fri", None),
    ("day_of_week", "mon,7", "0-6"),
    ("day_of_week", "*/7", None),
    ("day_of_week", "*/8", "1-7"),
    ("day_of_week", "jan", "not a number or a name"),
    ("day_of_month", "1", None),
    ("day_of_month", "31", None),
    ("day_of_month", "0", "1-31"),
    ("day_of_month", "32", "1-31"),
    ("day_of_month", "1-31", None),
    ("day_of_month", "0-31", "1-31"),
    ("day_of_month", "1-32", "1-31"),
    ("day_of_month", "1,15,31", None),
    ("day_of_month", "1,32", "1-31"),
    ("day_of_month", "*/31", None),
    ("day_of_month", "*/32", "1-31"),
    ("day_of_month", "mon", "not a number"),
    ("month_of_year", "1", None),
    ("month_of_year", "12", None),
    ("month_of_year", "0", "1-12"),
    ("month_of_year", "13", "1-12"),
    ("month_of_year", "1-12", None),
    ("month_of_year", "1-13", "1-12"),
    ("month_of_year", "jan-dec", None),
    ("month_of_year", "dec,13", "1-12"),
    ("month_of_year", "*/12", None),
    ("month_of_year", "*/13", "1-12"),
    ("month_of_year", "٣", "not a crontab item"),  # an Arabic-Indic digit three
]
CRON_ORDER = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


@pytest.mark.parametrize(("field", "value", "refusal"), BOUNDS, ids=lambda v: str(v))
def test_crontab_field_bounds(field: str, value: str, refusal: str | None) -> None:
    raw = {"task": TASK, field: value}
    if refusal is None:
        assert getattr(parse_spec(raw), field) == value
        return
    with pytest.raises(InvalidSchedule) as caught:
        parse_spec(raw)
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == (field, value)
    assert refusal in problem.message
    assert field in str(caught.value) and value in str(caught.value)


@pytest.mark.parametrize(("value", "refusal"), [("1, 2", None), ("1 ,23", None), ("1, 24", "0-23")])
def test_spaces_around_list_items_are_allowed_as_celery_allows_them(
    value: str, refusal: str | None
) -> None:
    """A schedules.json that Celery accepted ("1, 2") must not be refused as a whole."""
    raw = {"task": TASK, "hour": value}
    if refusal is None:
        assert parse_spec(raw).hour == value
        return
    with pytest.raises(InvalidSchedule, match=refusal):
        parse_spec(raw)


@pytest.mark.parametrize(("field", "value", "refusal"), BOUNDS, ids=lambda v: str(v))
def test_cron_expression_field_bounds(field: str, value: str, refusal: str | None) -> None:
    """The same table in a 5-field expression: the problem is `cron`, naming the field."""
    expression = " ".join(value if f == field else "*" for f in CRON_ORDER)
    raw = {"task": TASK, "cron": expression}
    if refusal is None:
        assert parse_spec(raw).cron_fields()[field] == value
        return
    with pytest.raises(InvalidSchedule) as caught:
        parse_spec(raw)
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == ("cron", value)
    assert f"field {field}: " in problem.message and refusal in problem.message
