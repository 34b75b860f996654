"""Reports: the daily product report and trend analysis (seed 000)."""

# No `from __future__ import annotations`: the task registry reads these signatures with
# inspect.signature and needs real types, not strings.

import logging
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from celery.utils.log import get_task_logger
from pydantic import AfterValidator

from app.core.celery_app import celery_app
from app.tasks._simulate import SimulateSeconds, check_int, simulate, stable_int
from app.tasks.collection import SUPPLIERS

logger: logging.Logger = get_task_logger(__name__)

# The stand-in trend model picks its answers from these shopping keywords.
TREND_KEYWORDS: tuple[str, ...] = (
    "캠핑의자",
    "무선이어폰",
    "에어프라이어",
    "텀블러",
    "선풍기",
    "요가매트",
    "밀키트",
    "반려동물 간식",
    "전기장판",
    "가습기",
)


def check_top_n(value: object) -> int:
    return check_int("top_n", value, 1, len(TREND_KEYWORDS))


def _report_day(report_date: str | None) -> date:
    """The report's day: the given ISO date, or today in the app's timezone."""
    if report_date is None:
        # "Today" for an operator in Seoul, not for the worker's UTC clock.
        return datetime.now(ZoneInfo(str(celery_app.conf.timezone))).date()
    if isinstance(report_date, str):
        try:
            return date.fromisoformat(report_date)
        except ValueError:
            pass
    raise ValueError(f"report_date: expected a date like 2025-07-19, got {report_date!r}")


def check_report_date(value: str | None) -> str | None:
    """Refuses what `_report_day` would refuse; today is resolved when the task runs."""
    if value is not None:
        _report_day(value)
    return value


@celery_app.task  # type: ignore[untyped-decorator]
def generate_daily_report(
    report_date: Annotated[str | None, AfterValidator(check_report_date)] = None,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Build the daily product and collection report (report_date: null means today).

    Stand-in: no database is read and no network call is made; figures are derived from the date and
    the supplier names, so a day's report is always the same.
    """
    day = _report_day(report_date).isoformat()
    simulate("generate_daily_report", simulate_seconds, simulate_failure)
    suppliers = {
        sid: {
            "new_products": stable_int(f"report:{day}:{sid}:new", 0, 300),
            "updated_products": stable_int(f"report:{day}:{sid}:updated", 0, 900),
            "failed_products": stable_int(f"report:{day}:{sid}:failed", 0, 20),
        }
        for sid in SUPPLIERS
    }
    totals = {
        key: sum(counts[key] for counts in suppliers.values())
        for key in ("new_products", "updated_products", "failed_products")
    }
    logger.info(
        "Daily report for %s (stand-in): %d new, %d updated, %d failed products",
        day,
        totals["new_products"],
        totals["updated_products"],
        totals["failed_products"],
    )
    return {"stand_in": True, "report_date": day, "suppliers": suppliers, "totals": totals}


@celery_app.task  # type: ignore[untyped-decorator]
def analyze_trends(
    top_n: Annotated[int, AfterValidator(check_top_n)] = 5,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Rank the top_n rising market trends (AI trend analysis).

    Seed 000's daily analysis. Stand-in: no AI model or outside service is called and no network
    call is made; scores are derived from a fixed keyword list.
    """
    count = check_top_n(top_n)
    simulate("analyze_trends", simulate_seconds, simulate_failure)
    scores = {word: stable_int(f"trend:{word}", 0, 1000) / 10 for word in TREND_KEYWORDS}
    # Highest score first; ties by keyword so the order never depends on the tuple's.
    ranked = sorted(scores, key=lambda word: (-scores[word], word))[:count]
    trends = [{"keyword": word, "score": scores[word]} for word in ranked]
    logger.info("Analysed trends (stand-in): top %d is %s", count, ", ".join(ranked))
    return {"stand_in": True, "top_n": count, "trends": trends}
