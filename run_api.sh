#!/usr/bin/env bash
# The HTTP API (and its docs at /docs), in the foreground. Configured through env vars
# (see backend/app/core/config.py): API_HOST, API_PORT, API_TOKEN, API_WORKERS (uvicorn
# processes sharing the port; docs/operations.md), LOG_LEVEL. Without API_TOKEN it
# refuses to listen beyond loopback.
set -euo pipefail

# The command is in the repo's .venv, or on PATH (the Docker image has no .venv).
PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv/bin:$PATH"
exec batchsched-api "$@"
