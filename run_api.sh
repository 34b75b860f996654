#!/usr/bin/env bash
# The HTTP API (and its docs at /docs), in the foreground. Configured through env vars
# (see backend/app/core/config.py); API_HOST, API_PORT and LOG_LEVEL also set uvicorn's
# flags, with the same defaults as the settings.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
uvicorn=uvicorn
if [[ -x "$root/.venv/bin/uvicorn" ]]; then
  uvicorn="$root/.venv/bin/uvicorn"
fi
cd "$root/backend"

# uvicorn only accepts lower-case level names; Celery and the settings take either.
log_level="$(printf '%s' "${LOG_LEVEL:-INFO}" | tr '[:upper:]' '[:lower:]')"

exec "$uvicorn" app.api.main:app \
  --host "${API_HOST:-127.0.0.1}" \
  --port "${API_PORT:-8000}" \
  --log-level "$log_level" \
  "$@"
