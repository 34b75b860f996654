#!/usr/bin/env bash
# The Celery worker, in the foreground. Configured through env vars (see
# backend/app/core/config.py); LOG_LEVEL and WORKER_CONCURRENCY also set its CLI flags.
# Extra arguments go to `celery worker`, e.g. ./run_worker.sh -Q reports.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
celery=celery
if [[ -x "$root/.venv/bin/celery" ]]; then
  celery="$root/.venv/bin/celery"
fi
cd "$root/backend"

# -E sends task events, which Flower and the status API read.
exec "$celery" -A app.core.celery_app:celery_app worker \
  --loglevel "${LOG_LEVEL:-INFO}" \
  --concurrency "${WORKER_CONCURRENCY:-4}" \
  -n 'worker@%h' \
  -E \
  "$@"
