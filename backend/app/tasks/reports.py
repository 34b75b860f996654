"""Reports: the daily run and product report, and trend analysis (seed 000).

The daily report's run history part is real (app/tasks/history_report.py reads it from
Redis); its product figures and the trend analysis are stand-ins.
"""

# No `from __future__ import annotations`: the task registry reads these signatures with
# inspect.signature and needs real types, not strings.

import logging
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from celery.utils.log import get_task_logger
from pydantic import AfterValidator

from app.core.celery_app import celery_app
from app.tasks import history_report
from app.tasks._delivery import RERUN_SAFE
from app.tasks._simulate import SimulateSeconds, check_int, simulate, stable_int
from app.tasks.suppliers import SUPPLIERS

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


# Safe to run again: it reads the history and returns figures, and delivers nothing.
@celery_app.task(**RERUN_SAFE)  # type: ignore[untyped-decorator]
def generate_daily_report(
    report_date: Annotated[str | None, AfterValidator(check_report_date)] = None,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Summarise a day's schedule runs from the run history (report_date: null is today).

    `history` is real: per schedule and overall, the runs whose slot fell on the day (in
    the app's timezone), their failures and success rate, retries, skipped and missed
    fires by reason, and the slowest runs, read from the run history in Redis (see
    app/tasks/history_report.py). `products` is a stand-in for a product database, marked
    `"stand_in": true`: no database is read; its figures are derived from the date and the
    supplier names, so a day's figures are always the same.
    """
    day = _report_day(report_date)
    simulate("generate_daily_report", simulate_seconds, simulate_failure)
    tz = str(celery_app.conf.timezone)
    history = history_report.daily_history(day, tz)
    products = _stand_in_products(day.isoformat())
    totals = history["totals"]
    logger.info(
        "Daily report for %s: %d runs, %d failures, %d skipped, %d missed; products (stand-in): "
        "%d new, %d updated, %d failed",
        day.isoformat(),
        totals["runs"],
        totals["failures"],
        totals["skipped"]["count"],
        totals["missed"]["count"],
        products["totals"]["new_products"],
        products["totals"]["updated_products"],
        products["totals"]["failed_products"],
    )
    return {
        "stand_in": False,
        "report_date": day.isoformat(),
        "timezone": tz,
        "history": history,
        "products": products,
    }


def _stand_in_products(day: str) -> dict[str, Any]:
    """Stand-in product figures per supplier for `day`: made up, repeatable."""
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
    return {
        "stand_in": True,
        "note": "stand-in for a product database: figures derived from the date, not read",
        "suppliers": suppliers,
        "totals": totals,
    }


# Safe to run again: it computes and returns.
@celery_app.task(**RERUN_SAFE)  # type: ignore[untyped-decorator]
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
