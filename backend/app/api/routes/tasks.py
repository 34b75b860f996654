"""The tasks a schedule may name, with their parameters (read from their signatures)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import RegistryDep
from app.api.models import TasksPublic

router = APIRouter(prefix="/api/scheduler", tags=["scheduler"])


@router.get("/tasks", name="tasks-list", response_model=TasksPublic)
def list_tasks(registry: RegistryDep) -> dict[str, Any]:
    """Registered tasks: name, first line of the docstring, parameters with types."""
    return {"tasks": [task.as_dict() for task in registry.tasks()]}
