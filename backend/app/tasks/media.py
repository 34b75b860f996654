"""Image processing for collected products (seed 000)."""

# No `from __future__ import annotations`: the task registry reads these signatures with
# inspect.signature and needs real types, not strings.

import logging
from typing import Annotated

from celery.utils.log import get_task_logger
from pydantic import AfterValidator

from app.core.celery_app import celery_app
from app.tasks._delivery import AT_MOST_ONCE
from app.tasks._simulate import SimulateSeconds, check_int, check_names, simulate, stable_int
from app.tasks.suppliers import SUPPLIER_ALIASES, SUPPLIERS

logger: logging.Logger = get_task_logger(__name__)

# Far above seed 000's 100 per run; beyond this a run should be split, not just started.
MAX_IMAGE_LIMIT = 100_000


def check_limit(value: object) -> int:
    return check_int("limit", value, 1, MAX_IMAGE_LIMIT)


def check_suppliers(value: object) -> list[str] | None:
    return None if value is None else check_names("suppliers", value, SUPPLIER_ALIASES)


# At most once: every image hosted is an upload (and a charge); a second run would
# upload again the images the first had done before it died.
@celery_app.task(**AT_MOST_ONCE)  # type: ignore[untyped-decorator]
def process_images(
    limit: Annotated[int, AfterValidator(check_limit)] = 100,
    suppliers: Annotated[list[str] | None, AfterValidator(check_suppliers)] = None,
    simulate_seconds: SimulateSeconds = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Optimise and host up to `limit` pending product images (suppliers: null means all).

    Stand-in: no image is downloaded, resized or uploaded and no network call is made;
    pending counts are derived from the supplier names.
    """
    count = check_limit(limit)
    ids = check_suppliers(suppliers) or list(SUPPLIERS)
    simulate("process_images", simulate_seconds, simulate_failure)
    per_supplier: dict[str, dict[str, int]] = {}
    budget = count
    # Suppliers are served in order until the limit is used up, as a queue would.
    for sid in ids:
        pending = stable_int(f"images:{sid}", 20, 400)
        processed = min(pending, budget)
        budget -= processed
        per_supplier[sid] = {"pending": pending, "processed": processed}
    processed_total = count - budget
    remaining = sum(entry["pending"] for entry in per_supplier.values()) - processed_total
    logger.info(
        "Processed %d images from %s (stand-in, limit %d); %d still pending",
        processed_total,
        ", ".join(ids),
        count,
        remaining,
    )
    return {
        "stand_in": True,
        "limit": count,
        "suppliers": per_supplier,
        "processed": processed_total,
        "remaining": remaining,
    }
