"""The suppliers and marketplaces the collection tasks know, by id and Korean name.

Plain data with no Celery import, so the CLI (`collect 오너클랜`) can read it before
the settings are checked: a bad setting must give the CLI's one-line error, not a
traceback from building the Celery app.
"""

from __future__ import annotations

# Canonical id -> Korean name. Order is seed 000's, and the order collection runs in.
SUPPLIERS: dict[str, str] = {
    "zentrade": "젠트레이드",
    "ownerclan": "오너클랜",
    "domeggook": "도매꾹",
    "domomae": "도매매",
}
# Seed 001 names suppliers in Korean (`--collect 오너클랜`); both spellings are accepted.
SUPPLIER_ALIASES: dict[str, str] = {
    **{sid: sid for sid in SUPPLIERS},
    **{ko: sid for sid, ko in SUPPLIERS.items()},
}
MARKETPLACES: dict[str, str] = {
    "coupang": "쿠팡",
    "naver": "네이버",
    "11st": "11번가",
    "gmarket": "G마켓",
}
MARKETPLACE_ALIASES: dict[str, str] = {
    **{mid: mid for mid in MARKETPLACES},
    **{ko: mid for mid, ko in MARKETPLACES.items()},
}
