"""Product collection from wholesale suppliers (seeds 000, 001) and marketplace bestsellers.

Every task here is a stand-in: it makes no network call and writes nothing, but returns
repeatable counts so that schedules, history and alerts can be exercised end to end.
"""

# No `from __future__ import annotations`: the task registry reads these signatures with
# inspect.signature and needs real types, not strings.

import logging
from typing import Annotated

from celery.utils.log import get_task_logger
from pydantic import AfterValidator

from app.core.celery_app import celery_app
from app.tasks._delivery import AT_MOST_ONCE, RERUN_SAFE
from app.tasks._simulate import (
    SimulateSeconds,
    canonical_name,
    check_bool,
    check_names,
    simulate,
    stable_int,
)
from app.tasks.suppliers import MARKETPLACE_ALIASES, SUPPLIER_ALIASES, SUPPLIERS

logger: logging.Logger = get_task_logger(__name__)


# Signature defaults, shown to operators by the task registry. Lists because that is
# what the registry models and JSON sends; the tasks never mutate them.
DEFAULT_SUPPLIERS: list[str] = list(SUPPLIERS)
DEFAULT_MARKETPLACES: list[str] = ["coupang", "naver"]

# test_mode collects a small sample and saves nothing, so a trial run is quick and safe.
TEST_MODE_SAMPLE = 20
# Each marketplace ranking lists this many products per category.
BESTSELLERS_PER_CATEGORY = 100


def check_suppliers(value: object) -> list[str]:
    return check_names("suppliers", value, SUPPLIER_ALIASES)


def check_supplier(value: object) -> str:
    return canonical_name("supplier", value, SUPPLIER_ALIASES)


def check_marketplaces(value: object) -> list[str]:
    return check_names("marketplaces", value, MARKETPLACE_ALIASES)


def _collect_one(supplier: str, test_mode: bool) -> dict[str, int]:
    """Stand-in counts for one supplier's collection run."""
    found = stable_int(f"products:{supplier}", 300, 1500)
    if test_mode:
        found = min(found, TEST_MODE_SAMPLE)
    failed = stable_int(f"failed:{supplier}:{found}", 0, found // 50)
    new = stable_int(f"new:{supplier}:{found}", 0, (found - failed) // 5)
    return {
        "found": found,
        "new": new,
        "updated": found - failed - new,
        "failed": failed,
        "saved": 0 if test_mode else found - failed,
    }


def _collect_many(suppliers: list[str], test_mode: bool) -> dict[str, object]:
    runs = {supplier: _collect_one(supplier, test_mode) for supplier in suppliers}
    totals = {key: sum(run[key] for run in runs.values()) for key in ("found", "saved", "failed")}
    logger.info(
        "Collected %d products from %s (stand-in, test_mode=%s): saved %d, failed %d",
        totals["found"],
        ", ".join(suppliers),
        test_mode,
        totals["saved"],
        totals["failed"],
    )
    return {
        "stand_in": True,
        "test_mode": test_mode,
        "suppliers": {sid: {"name": SUPPLIERS[sid], **run} for sid, run in runs.items()},
        "totals": totals,
    }


# At most once: an import that dies part-way has saved part of its batch, and a
# second run calls the rate-limited supplier APIs again for all of it.
@celery_app.task(**AT_MOST_ONCE)  # type: ignore[untyped-decorator]
def collect_wholesale_products(
    suppliers: Annotated[list[str], AfterValidator(check_suppliers)] = DEFAULT_SUPPLIERS,
    test_mode: bool = False,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Collect product data from wholesale suppliers (test_mode: small sample, nothing saved).

    Seed 000's nightly collection. Stand-in: no supplier API is called and no network call is made;
    counts are derived from the supplier names, so the same input always gives the same result.
    """
    ids = check_suppliers(suppliers)
    test = check_bool("test_mode", test_mode)
    simulate("collect_wholesale_products", simulate_seconds, simulate_failure)
    return _collect_many(ids, test)


# At most once, as collect_wholesale_products.
@celery_app.task(**AT_MOST_ONCE)  # type: ignore[untyped-decorator]
def collect_supplier(
    supplier: Annotated[str, AfterValidator(check_supplier)],
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Collect products from one supplier, given by id or Korean name (e.g. 오너클랜).

    Seed 001's per-supplier run. Stand-in: no supplier API is called and no network call is made;
    counts are derived from the supplier name.
    """
    sid = check_supplier(supplier)
    simulate("collect_supplier", simulate_seconds, simulate_failure)
    run = _collect_one(sid, test_mode=False)
    logger.info(
        "Collected %d products from %s (%s) (stand-in): saved %d, failed %d",
        run["found"],
        sid,
        SUPPLIERS[sid],
        run["saved"],
        run["failed"],
    )
    return {"stand_in": True, "supplier": sid, "name": SUPPLIERS[sid], **run}


# At most once, as collect_wholesale_products.
@celery_app.task(**AT_MOST_ONCE)  # type: ignore[untyped-decorator]
def collect_all_suppliers(
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Collect products from every known supplier in turn.

    Seed 001's weekly full run. Stand-in: no supplier API is called and no network call is made.
    """
    simulate("collect_all_suppliers", simulate_seconds, simulate_failure)
    return _collect_many(list(SUPPLIERS), test_mode=False)


# Safe to run again: it only reads the rankings.
@celery_app.task(**RERUN_SAFE)  # type: ignore[untyped-decorator]
def collect_bestsellers(
    marketplaces: Annotated[list[str], AfterValidator(check_marketplaces)] = DEFAULT_MARKETPLACES,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Collect bestseller rankings from marketplaces such as Coupang and Naver.

    Seed 000's daily crawl. Stand-in: no marketplace is crawled and no network call is made; counts
    are derived from the marketplace names.
    """
    ids = check_marketplaces(marketplaces)
    simulate("collect_bestsellers", simulate_seconds, simulate_failure)
    result: dict[str, dict[str, int]] = {}
    for mid in ids:
        categories = stable_int(f"categories:{mid}", 5, 20)
        products = categories * BESTSELLERS_PER_CATEGORY
        new = stable_int(f"new-in-ranking:{mid}", 0, products // 10)
        result[mid] = {"categories": categories, "products": products, "new_in_ranking": new}
    total = sum(entry["products"] for entry in result.values())
    logger.info("Collected %d bestsellers from %s (stand-in)", total, ", ".join(ids))
    return {"stand_in": True, "marketplaces": result, "total_products": total}
