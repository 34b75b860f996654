#!/usr/bin/env bash
# Starts the whole stack on this machine: Redis, a Celery worker, Celery Beat and the API,
# each line of their output tagged [name] here and kept in .data/logs/<name>.log.
# Ctrl-C (or SIGTERM) stops everything, Redis last; a second Ctrl-C kills at once. If one
# process dies, the rest are stopped too and the script exits non-zero.
#
# Configuration is through env vars or the repo's .env, env vars winning
# (backend/app/core/config.py lists them), notably:
#   REDIS_URL     use this Redis, if set and not empty in the environment or in .env;
#                 otherwise an embedded one runs (`REDIS_URL= ./run.sh` embeds whatever
#                 .env says)
#   REDIS_PORT    port of the embedded Redis (default 6379; a free one if that is busy)
#   STOP_TIMEOUT  seconds a process gets to finish after SIGTERM before SIGKILL (default 20)
#   RUN_DATA_DIR  logs, the embedded Redis's data and the pid file (default .data)
# The supervision itself is Python: backend/app/launcher (console script batchsched-run).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/bootstrap.sh
exec .venv/bin/batchsched-run
