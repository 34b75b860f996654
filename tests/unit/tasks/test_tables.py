"""app/tasks/tables.py: seed 002's table jobs, stand-ins that say what they would do."""

from typing import Any

import pytest

from app.schedules.errors import InvalidSchedule
from app.schedules.registry import TaskRegistry
from app.tasks import tables


def names(result: dict[str, Any]) -> list[str]:
    return [t["table"] for t in result["tables"]]


def test_daily_tables_for_the_day_and_the_days_ahead() -> None:
    result = tables.create_daily_tables(day="2025-12-31", days_ahead=1, tables=["chat_message"])

    assert names(result) == ["chat_message_20251231", "chat_message_20260101"]
    assert (result["from"], result["to"]) == ("2025-12-31", "2026-01-01")
    assert result["tables"][0]["statement"] == (
        "CREATE TABLE IF NOT EXISTS chat_message_20251231 (LIKE chat_message)"
    )


def test_daily_tables_default_to_every_table_for_today_and_tomorrow() -> None:
    result = tables.create_daily_tables(day="2025-07-19")

    assert len(result["tables"]) == 2 * len(tables.TABLES)


def test_monthly_summary_tables_cross_the_year() -> None:
    result = tables.create_monthly_summary_tables(
        month="2025-12", months_ahead=2, tables=["admin_log"]
    )

    assert names(result) == [
        "admin_log_summary_202512",
        "admin_log_summary_202601",
        "admin_log_summary_202602",
    ]


def test_cleanup_counts_the_days_past_retention() -> None:
    result = tables.cleanup_old_tables(keep_days=30, day="2025-07-19", tables=["crawler_log"])

    [table] = result["tables"]
    assert result["older_than"] == "2025-06-19"
    assert (table["dropped"], table["newest"], table["oldest"]) == (
        tables.STAND_IN_HISTORY_DAYS - 30,
        "crawler_log_20250618",
        "crawler_log_20240719",
    )


def test_cleanup_keeping_more_than_the_history_drops_nothing() -> None:
    result = tables.cleanup_old_tables(keep_days=400, day="2025-07-19")

    assert result["dropped"] == 0
    assert all(t["newest"] is None for t in result["tables"])


@pytest.mark.parametrize(
    ("call", "kwargs", "words"),
    [
        (tables.create_daily_tables, {"day": "19/07/2025"}, "^day: expected a date"),
        (tables.create_daily_tables, {"days_ahead": 32}, "^days_ahead: must be between"),
        (tables.create_daily_tables, {"tables": ["users"]}, "^tables: unknown name 'users'"),
        (tables.create_daily_tables, {"tables": []}, "^tables: expected a non-empty list"),
        (tables.create_monthly_summary_tables, {"month": "2025-13"}, "^month: expected"),
        (tables.create_monthly_summary_tables, {"months_ahead": -1}, "^months_ahead:"),
        (tables.cleanup_old_tables, {"keep_days": 0}, "^keep_days: must be between 1"),
        (tables.cleanup_old_tables, {"keep_days": "30"}, "^keep_days: expected an integer"),
    ],
)
def test_bad_parameters_are_refused_naming_them(
    call: Any, kwargs: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        call(**kwargs)


def test_the_registry_refuses_bad_parameters_before_a_schedule_is_written(
    registry: TaskRegistry,
) -> None:
    task = registry.resolve("create_daily_tables")
    with pytest.raises(InvalidSchedule) as caught:
        registry.check_call(task, [], {"tables": ["users"]})
    assert [p.field for p in caught.value.problems] == ["kwargs.tables"]
