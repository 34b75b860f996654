"""Partial updates: seed 004's `PUT {"hour": 15, "minute": 0}` changes those fields only.

A patch is merged into the stored definition's document, then validated as a whole
like any new definition. Rules:
- a field given replaces the stored one; a field given as `null` goes back to its
  default (for a crontab field that is `*`);
- `options` and `policy` merge key by key; `args` and `kwargs` are replaced whole;
- naming a field of another timing kind switches kinds, dropping the old timing; a
  crontab field applied to a `cron` expression edits that field of the expression;
- a patch that names two timing kinds is refused by validation, as a new one would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.schedules.spec import CRON_FIELDS, lift_flat_fields, parse_cron_expression
from app.schedules.timing_forms import SEED_TIMING_KEYS

TIMING_GROUPS: dict[str, tuple[str, ...]] = {
    "crontab": CRON_FIELDS,
    "cron": ("cron",),
    "interval": ("interval", "anchor"),
    "once": ("at",),
    # Seed 002's pair replaces whichever timing is stored; give both (the stored form is
    # the kind it became, so `schedule_value` alone has no type to go with).
    "seed002": SEED_TIMING_KEYS,
}
MERGED_OBJECTS = ("options", "policy")


def timing_groups(doc: Mapping[str, Any]) -> set[str]:
    """Which timing kinds a document or patch names. A lone anchor counts as interval."""
    return {kind for kind, fields in TIMING_GROUPS.items() if any(f in doc for f in fields)}


def merge_patch(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """The document that results from applying `patch` to `current` (both plain JSON)."""
    patch = lift_flat_fields(patch)
    if "parameters" in patch and "kwargs" not in patch:
        patch["kwargs"] = patch.pop("parameters")
    doc = _switch_timing(dict(current), timing_groups(patch))
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif key in MERGED_OBJECTS and isinstance(value, Mapping):
            doc[key] = _merge_object(doc.get(key), value)
        else:
            doc[key] = value
    return doc


def _switch_timing(doc: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    if not wanted:
        return doc
    if "crontab" in wanted and "cron" not in wanted and isinstance(doc.get("cron"), str):
        # Editing the hour of "0 3 * * *" keeps its other four fields.
        try:
            expanded = parse_cron_expression(doc["cron"])
        except ValueError:
            expanded = {}
        doc.update({k: v for k, v in expanded.items() if v != "*"})
    for kind, fields in TIMING_GROUPS.items():
        if kind not in wanted:
            for field in fields:
                doc.pop(field, None)
    return doc


def _merge_object(current: Any, patch: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(current) if isinstance(current, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
