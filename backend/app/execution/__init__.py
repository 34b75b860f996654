"""The worker's side of a fire: link each run to its record, renew its lease while it
runs, retry it as its policy says, record how it ended.

Celery loads this package in every worker through the app's `imports` and `task_cls`
settings (app/core/celery_app.py), so tasks need no decorator of ours.
"""

from app.execution.task import ScheduledTask

__all__ = ["ScheduledTask"]
