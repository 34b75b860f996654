"""Everything a definition must pass before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.schedules.registry import TaskRegistry
from app.schedules.spec import ScheduleSpec, parse_spec


def validate_spec(raw: Mapping[str, Any] | ScheduleSpec, registry: TaskRegistry) -> ScheduleSpec:
    """A checked spec whose task is the registered full name."""
    spec = raw if isinstance(raw, ScheduleSpec) else parse_spec(raw)
    task = registry.resolve(spec.task)
    registry.check_call(task, spec.args, spec.kwargs)
    if task.name != spec.task:
        spec = spec.model_copy(update={"task": task.name})
    return spec
