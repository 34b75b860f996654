"""Which tasks may be scheduled and what parameters each takes.

Built from the Celery app's own task table and each task's signature, so adding a task
is writing the function: validation, the API, the CLI and the page all read this.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, get_args, get_origin

from celery import Celery
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from app.schedules.errors import InvalidSchedule, Problem, invalid

# Only our own modules: Celery's built-ins (celery.backend_cleanup, chord_unlock...)
# must never be schedulable through the API.
SCHEDULABLE_PREFIX = "app.tasks."


@dataclass(frozen=True)
class ParamInfo:
    name: str
    type: str
    required: bool
    default: Any = None


@dataclass(frozen=True)
class TaskInfo:
    name: str
    description: str
    params: tuple[ParamInfo, ...]
    signature: inspect.Signature = field(repr=False)
    model: type[BaseModel] = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": [p.__dict__ for p in self.params],
        }


def _type_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return "any"
    if get_origin(annotation) is Annotated:  # a task's own check rides along as metadata
        annotation = get_args(annotation)[0]
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)


def _describe_task(name: str, func: Any) -> TaskInfo:
    signature = inspect.signature(func)
    fields: dict[str, Any] = {}
    params = []
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        annotation = Any if p.annotation is p.empty else p.annotation
        required = p.default is p.empty
        fields[p.name] = (annotation, ... if required else p.default)
        default = None if required else p.default
        params.append(ParamInfo(p.name, _type_name(p.annotation), required, default))
    model = create_model(
        f"Params_{name.replace('.', '_')}",
        # Strict: "false" must not pass for a bool, nor "100" for an int; the task gets
        # exactly what is stored, and it would refuse those at run time.
        __config__=ConfigDict(extra="forbid", strict=True, allow_inf_nan=False),
        **fields,
    )
    doc = inspect.getdoc(func) or ""
    return TaskInfo(name, doc.splitlines()[0] if doc else "", tuple(params), signature, model)


class TaskRegistry:
    def __init__(self, tasks: Mapping[str, TaskInfo]) -> None:
        self._tasks = dict(sorted(tasks.items()))

    @classmethod
    def from_celery(cls, app: Celery) -> TaskRegistry:
        app.loader.import_default_modules()
        found = {
            name: _describe_task(name, task.run)
            for name, task in app.tasks.items()
            if name.startswith(SCHEDULABLE_PREFIX)
        }
        return cls(found)

    def names(self) -> list[str]:
        return list(self._tasks)

    def tasks(self) -> list[TaskInfo]:
        return list(self._tasks.values())

    def resolve(self, name: str) -> TaskInfo:
        """Full name, or a bare function name when exactly one task has it (seed 000)."""
        if name in self._tasks:
            return self._tasks[name]
        matches = [t for n, t in self._tasks.items() if n.rsplit(".", 1)[-1] == name]
        if len(matches) == 1:
            return matches[0]
        raise invalid("task", name, f"unknown task; available: {', '.join(self._tasks)}")

    def check_call(self, task: TaskInfo, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        """Refuse arguments the task would reject: unknown names, wrong types, missing."""
        try:
            bound = task.signature.bind(*args, **kwargs)
        except TypeError as exc:
            if "positional" in str(exc):
                raise invalid("args", list(args), f"{task.name}: {exc}") from None
            raise invalid("kwargs", dict(kwargs), f"{task.name}: {exc}") from None
        try:
            task.model.model_validate(bound.arguments)
        except ValidationError as exc:
            raise InvalidSchedule(
                [
                    Problem(
                        "kwargs." + ".".join(str(p) for p in err["loc"]),
                        err.get("input"),
                        err["msg"].removeprefix("Value error, "),
                    )
                    for err in exc.errors(include_url=False)
                ]
            ) from None
