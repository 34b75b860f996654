"""Celery Beat's side: the scheduler class Celery runs, its leadership lock, the
planning of each batch of fires, and a signal-safe stop.

Celery loads `app.beat.scheduler:BatchScheduler` by name (see app/core/celery_app.py);
nothing else imports this package.
"""
