#!/usr/bin/env bash
# The Celery worker, in the foreground: `celery -A app.core.celery_app:celery_app worker`
# named worker@<host>, with task events on (-E, which Flower and the status API read); see
# backend/app/launcher/commands.py. Configured through env vars (see
# backend/app/core/config.py); LOG_LEVEL and WORKER_CONCURRENCY also set its CLI flags.
# Extra arguments go to `celery worker`, e.g. ./run_worker.sh -Q reports.
set -euo pipefail

# The command is in the repo's .venv, or on PATH (the Docker image has no .venv).
PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv/bin:$PATH"
exec batchsched-worker "$@"
