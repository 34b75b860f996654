#!/usr/bin/env bash
# Lint, type-check and test everything, as CI does. Extra arguments go to pytest,
# e.g. ./test.sh tests/unit -k redis -x
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/bootstrap.sh --dev
# Chromium for tests/browser, from apt when missing (silent when present).
scripts/browser_deps.sh
# A redis-server built with TLS for the Redis TLS tests, from apt when missing.
scripts/redis_tls_deps.sh
bin=.venv/bin

failed=()
run() {  # label command...
  local label="$1"
  shift
  echo "==> $label"
  if ! "$@"; then
    failed+=("$label")
  fi
}

run "ruff check" "$bin/ruff" check .
run "ruff format" "$bin/ruff" format --check .
run "mypy" "$bin/mypy"
run "pytest" "$bin/pytest" "$@"

if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "All checks passed."
