"""Apartment-complex listing crawl (seed 004's weekly `crawl_all_complexes`).

The module name is seed 004's: its schedules name `app.tasks.scheduler.crawl_all_complexes`.
"""

# No `from __future__ import annotations`: the task registry reads these signatures with
# inspect.signature and needs real types, not strings.

import logging

from celery.utils.log import get_task_logger

from app.core.celery_app import celery_app
from app.tasks._delivery import RERUN_SAFE
from app.tasks._simulate import SimulateSeconds, simulate, stable_int

logger: logging.Logger = get_task_logger(__name__)

# (complex id, name): the fixed set the stand-in crawl visits, in crawl order.
COMPLEXES: tuple[tuple[str, str], ...] = (
    ("101", "래미안퍼스티지"),
    ("102", "아크로리버파크"),
    ("103", "헬리오시티"),
    ("104", "잠실엘스"),
    ("105", "은마"),
)
LISTING_KINDS: tuple[str, ...] = ("sale", "jeonse", "monthly_rent")


# Safe to run again: it only reads the listings.
@celery_app.task(**RERUN_SAFE)  # type: ignore[untyped-decorator]
def crawl_all_complexes(
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Crawl current listings (sale, jeonse, monthly rent) for all apartment complexes.

    Stand-in: no real-estate site is crawled and no network call is made; listing counts
    are derived from the complex ids.
    """
    simulate("crawl_all_complexes", simulate_seconds, simulate_failure)
    complexes: list[dict[str, object]] = []
    total = 0
    for cid, name in COMPLEXES:
        counts = {kind: stable_int(f"listings:{cid}:{kind}", 0, 60) for kind in LISTING_KINDS}
        total += sum(counts.values())
        complexes.append({"id": cid, "name": name, **counts})
    logger.info("Crawled %d listings from %d complexes (stand-in)", total, len(complexes))
    return {"stand_in": True, "complexes": complexes, "listings": total}
