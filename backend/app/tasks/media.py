"""Image processing for collected products (seed 000)."""

# No `from __future__ import annotations`: the task registry reads these signatures with
# inspect.signature and needs real types, not strings.

import logging

from celery.utils.log import get_task_logger

from app.core.celery_app import celery_app
from app.tasks._simulate import check_int, check_names, simulate, stable_int
from app.tasks.collection import SUPPLIER_ALIASES, SUPPLIERS

logger: logging.Logger = get_task_logger(__name__)

# Far above seed 000's 100 per run; beyond this a run should be split, not just started.
MAX_IMAGE_LIMIT = 100_000


@celery_app.task  # type: ignore[untyped-decorator]
def process_images(
    limit: int = 100,
    suppliers: list[str] | None = None,
    simulate_seconds: float = 0.0,
    simulate_failure: bool = False,
) -> dict[str, object]:
    """Optimise and host up to `limit` pending product images (suppliers: null means all).

    Stand-in: no image is downloaded, resized or uploaded and no network call is made;
    pending counts are derived from the supplier names.
    """
    count = check_int("limit", limit, 1, MAX_IMAGE_LIMIT)
    ids = (
        list(SUPPLIERS)
        if suppliers is None
        else check_names("suppliers", suppliers, SUPPLIER_ALIASES)
    )
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
