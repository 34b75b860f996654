#!/usr/bin/env bash
# The HTTP API (and its docs at /docs), in the foreground. Configured through env vars
# (see backend/app/core/config.py): API_HOST, API_PORT, API_TOKEN, LOG_LEVEL. Without
# API_TOKEN it refuses to listen beyond loopback.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python=python3
if [[ -x "$root/.venv/bin/python" ]]; then
  python="$root/.venv/bin/python"
fi
cd "$root/backend"

exec "$python" -m app.api "$@"
