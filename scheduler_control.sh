#!/usr/bin/env bash
# Seed 001's controls, as the CLI's verbs (they read and write Redis directly, so they
# work while the API is down). Configured through env vars (REDIS_URL, LANGUAGE, ...).
#
#   ./scheduler_control.sh stop [--reason TEXT]   pause all dispatching (schedules keep
#                                                 their own on/off switch)
#   ./scheduler_control.sh start                  dispatch again, from each next slot
#   ./scheduler_control.sh restart                restart ./run.sh's worker, Beat and API
#                                                 (new code or settings), keeping Redis
#   ./scheduler_control.sh status                 schedules, paused or not, Beat, workers
#   ./scheduler_control.sh logs [--schedule NAME] follow ./run.sh's logs (Ctrl-C ends)
#   ./scheduler_control.sh collect                run every supplier's collection now
#   ./scheduler_control.sh collect 오너클랜       run one supplier's collection now
#
# Every other CLI command works here too: .venv/bin/batchsched-cli --help.
# Exit codes: 0 ok, 1 refused (e.g. an unknown supplier), 2 Redis unreachable, 64 bad usage.
set -euo pipefail

# The command is in the repo's .venv, or on PATH (the Docker image has no .venv).
PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv/bin:$PATH"
exec batchsched-cli "$@"
