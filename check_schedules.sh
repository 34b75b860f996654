#!/usr/bin/env bash
# What is scheduled, when it runs next and how it ran last, then whether a Beat leads,
# which workers answer and whether schedules.json applied. Reads Redis directly, so it
# works while the API is down. Configured through env vars (REDIS_URL, TIMEZONE, ...).
#
#   ./check_schedules.sh               the table and a summary (colour only on a terminal)
#   ./check_schedules.sh 수집          only schedules whose name contains "수집"
#   ./check_schedules.sh --json        one JSON document, for machines
#   ./check_schedules.sh --check       a summary line; exit 1 if no Beat runs, schedules.json
#                                      failed to apply, an enabled schedule is overdue by
#                                      more than --grace SECONDS (default 300), or one failed
#                                      ALERT_CONSECUTIVE_FAILURES times in a row (default 3)
#
# Exit codes: 0 ok, 1 check failed, 2 Redis unreachable, 64 bad usage. The other
# commands (show, runs, run, pause, resume, delete, export, apply) are in the CLI behind
# this script: .venv/bin/batchsched-cli --help; seed 001's stop, start, restart, logs and
# collect are in ./scheduler_control.sh.
set -euo pipefail

# The command is in the repo's .venv, or on PATH (the Docker image has no .venv).
PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv/bin:$PATH"
exec batchsched-cli status "$@"
