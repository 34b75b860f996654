#!/usr/bin/env bash
# Celery Beat, in the foreground: `celery -A app.core.celery_app:celery_app beat` with
# --loglevel LOG_LEVEL and no pidfile (see backend/app/launcher/commands.py). The
# RedBeat-based scheduler is set in the Celery app; schedules live in Redis, so there is
# no schedule file, and no pidfile either: several Beats may run, and a Redis lock lets
# exactly one dispatch. Configured through env vars (see backend/app/core/config.py).
# Extra arguments go to `celery beat`.
set -euo pipefail

# The command is in the repo's .venv, or on PATH (the Docker image has no .venv).
PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv/bin:$PATH"
exec batchsched-beat "$@"
