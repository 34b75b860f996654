#!/usr/bin/env bash
# Celery Beat, in the foreground. The RedBeat-based scheduler is set in the Celery app;
# schedules live in Redis, so there is no schedule file, and no pidfile either: several
# Beats may run, and a Redis lock lets exactly one dispatch. Configured through env vars
# (see backend/app/core/config.py); LOG_LEVEL also sets the log level flag.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
celery=celery
if [[ -x "$root/.venv/bin/celery" ]]; then
  celery="$root/.venv/bin/celery"
fi
cd "$root/backend"

exec "$celery" -A app.core.celery_app:celery_app beat \
  --loglevel "${LOG_LEVEL:-INFO}" \
  --pidfile= \
  "$@"
