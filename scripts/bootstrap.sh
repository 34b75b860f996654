#!/usr/bin/env bash
# Creates .venv at the repo root and installs backend/ into it, on first use and
# whenever backend/pyproject.toml has changed since the last install.
#
#   scripts/bootstrap.sh          what ./run.sh needs
#   scripts/bootstrap.sh --dev    plus the test and lint tools (./test.sh)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.bootstrap-stamp"
install_log="$venv/install.log"

want_dev=false
case "${1:-}" in
  --dev) want_dev=true ;;
  "") ;;
  *) echo "usage: scripts/bootstrap.sh [--dev]" >&2; exit 2 ;;
esac

is_new_enough() {  # python-command
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

find_python() {
  local candidate
  for candidate in python3 python3.14 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 && is_new_enough "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

create_venv() {
  local python
  if ! python="$(find_python)"; then
    echo "bootstrap: Python 3.11 or newer is needed; python3 is" \
      "$(python3 --version 2>&1 || echo 'not installed')." \
      "Install one (e.g. apt-get install python3.11 python3.11-venv) and run again." >&2
    exit 1
  fi
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
    echo "bootstrap: '$python -m venv' failed; on Debian/Ubuntu install the python3-venv" \
      "package (e.g. apt-get install python3.11-venv) and run again." >&2
    rm -rf "$venv"
    exit 1
  fi
}

# A missing .venv, or one whose Python is broken or too old, is made afresh.
if ! is_new_enough "$venv/bin/python"; then
  create_venv
fi

pyproject_hash="$("$venv/bin/python" -c 'import hashlib, pathlib, sys
print(hashlib.sha256(pathlib.Path(sys.argv[1]).read_bytes()).hexdigest())' \
  "$root/backend/pyproject.toml")"

installed_hash="" installed_extras=""
if [[ -f $stamp ]]; then
  read -r installed_hash installed_extras <"$stamp" || true
fi

# Once the dev tools are in, keep them: a later plain install must not drop them.
extras=run
if [[ $want_dev == true || $installed_extras == dev ]]; then
  extras=dev
fi

has_needed_extras=true
if [[ $want_dev == true && $installed_extras != dev ]]; then
  has_needed_extras=false
fi
if [[ $installed_hash == "$pyproject_hash" && $has_needed_extras == true ]]; then
  exit 0  # up to date
fi

echo "bootstrap: installing dependencies into .venv (takes a minute the first time)..."
target="$root/backend"
if [[ $extras == dev ]]; then
  target="$root/backend[dev]"
fi
if ! "$venv/bin/python" -m pip install --disable-pip-version-check -e "$target" \
  >"$install_log" 2>&1; then
  tail -n 30 "$install_log" >&2
  echo "bootstrap: pip install failed; the full output is in $install_log" >&2
  exit 1
fi
printf '%s %s\n' "$pyproject_hash" "$extras" >"$stamp"
