"""app/tasks/reports.py: the daily report's stand-in product figures, and trend analysis.

The report's run history part is tested in test_history_report.py.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.core.celery_app import celery_app
from app.tasks.reports import TREND_KEYWORDS, analyze_trends, generate_daily_report


def test_daily_report_defaults_to_today_in_the_app_timezone() -> None:
    before = datetime.now(ZoneInfo(celery_app.conf.timezone)).date().isoformat()
    result = generate_daily_report()
    after = datetime.now(ZoneInfo(celery_app.conf.timezone)).date().isoformat()
    assert result["report_date"] in (before, after)
    products = result["products"]
    assert products["stand_in"] is True
    assert list(products["suppliers"]) == ["zentrade", "ownerclan", "domeggook", "domomae"]
    for key, total in products["totals"].items():
        assert total == sum(counts[key] for counts in products["suppliers"].values())


def test_stand_in_products_depend_on_the_date() -> None:
    first = generate_daily_report("2025-07-19")["products"]
    assert first == generate_daily_report("2025-07-19")["products"]
    assert first["suppliers"] != generate_daily_report("2025-07-20")["products"]["suppliers"]


@pytest.mark.parametrize("bad", ["yesterday", "2025-13-01", "", 20250719])
def test_daily_report_rejects_bad_dates(bad: object) -> None:
    with pytest.raises(ValueError, match=f"^report_date: .*{bad!r}"):
        generate_daily_report(bad)


def test_trends_default_to_top_five_sorted_by_score() -> None:
    result = analyze_trends()
    trends = result["trends"]
    assert result["top_n"] == len(trends) == 5
    scores = [item["score"] for item in trends]
    assert scores == sorted(scores, reverse=True)
    assert {item["keyword"] for item in trends} <= set(TREND_KEYWORDS)


def test_trends_top_n_is_a_prefix_of_the_full_ranking() -> None:
    full = analyze_trends(top_n=len(TREND_KEYWORDS))["trends"]
    assert analyze_trends(top_n=3)["trends"] == full[:3]


@pytest.mark.parametrize("bad", [0, -1, len(TREND_KEYWORDS) + 1, "5"])
def test_trends_reject_bad_top_n(bad: object) -> None:
    with pytest.raises(ValueError, match=f"^top_n: .*{bad!r}"):
        analyze_trends(top_n=bad)
