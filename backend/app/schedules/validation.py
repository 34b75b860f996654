"""Everything a definition must pass before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.core.config import get_settings
from app.core.redaction import HIDDEN
from app.schedules.errors import InvalidSchedule, invalid
from app.schedules.limits import Arguments, check_arguments, same_arguments
from app.schedules.registry import TaskRegistry
from app.schedules.spec import ScheduleSpec, parse_spec


def validate_spec(
    raw: Mapping[str, Any] | ScheduleSpec,
    registry: TaskRegistry,
    stored: Arguments | None = None,
    kept: Callable[[ScheduleSpec], bool] | None = None,
) -> ScheduleSpec:
    """A checked spec whose task is the registered full name.

    The argument limits (MAX_ARGS_*) apply to args and kwargs written anew: not when
    they are `stored`'s (the entry an update changes), nor when `kept` says they are
    already held (schedules.json's entries; asked only of one over a limit). A lowered
    limit so never refuses a pause, a resume or a new timing of a stored schedule.
    """
    spec = raw if isinstance(raw, ScheduleSpec) else parse_spec(raw)
    settings = get_settings()
    try:
        check_arguments(spec.args, spec.kwargs, settings.max_args_bytes, settings.max_args_depth)
    except InvalidSchedule:
        if not (stored is not None and same_arguments(spec, stored)) and not (
            kept is not None and kept(spec)
        ):
            raise
    task = registry.resolve(spec.task)
    registry.check_call(task, spec.args, spec.kwargs)
    if task.name != spec.task:
        spec = spec.model_copy(update={"task": task.name})
    _refuse_masked_secrets(spec)
    return spec


def _refuse_masked_secrets(spec: ScheduleSpec) -> None:
    """Reads show a webhook as `https://host/…`; saved back over the stored URL it is
    kept (service._without_masked_secrets), anywhere else it is no URL: a real one
    would spell "…" as %E2%80%A6."""
    url = spec.policy.alert_webhook_url
    if url is not None and HIDDEN in url:
        raise invalid(
            "policy.alert_webhook_url",
            url,
            "is the masked form reads show, not a URL: send the whole webhook URL",
        )
