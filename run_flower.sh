#!/usr/bin/env bash
# Flower (per-task inspection: arguments, results, tracebacks, which worker) against
# this stack: the Redis of REDIS_URL (environment or .env), else the one a running
# ./run.sh embedded. Open http://127.0.0.1:5555. Installs Flower into .venv on first use.
#
#   ./run_flower.sh                                  on 127.0.0.1:5555
#   ./run_flower.sh --port=5556                      other Flower options go after
#   ./run_flower.sh --address=0.0.0.0 --basic-auth=ops:secret
#
# docker compose runs this same script: docker compose --profile flower up -d flower.
set -euo pipefail

# The command is in the repo's .venv, or on PATH (the Docker image has no .venv).
PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv/bin:$PATH"
exec batchsched-flower "$@"
