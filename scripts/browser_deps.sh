#!/usr/bin/env bash
# Debian's Chromium and its WebDriver for the browser tests (tests/browser), installed
# with apt-get when missing: CI starts on a fresh machine, as root. Silent when all is
# there. A Korean font too, so that screenshots show 한글 rather than boxes.
#
# Without root (nor passwordless sudo) or apt-get it only says so and exits 0: the
# browser tests then skip, saying why.
set -euo pipefail

packages=(chromium chromium-driver fonts-nanum)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
((${#missing[@]})) || exit 0

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "browser_deps: ${missing[*]} missing and not root: the browser tests will skip" >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser_deps: ${missing[*]} missing and no apt-get: the browser tests will skip" >&2
  exit 0
fi

echo "browser_deps: installing ${missing[*]} with apt-get (once; a minute or two)..."
log="$(mktemp)"
export DEBIAN_FRONTEND=noninteractive
if ! { "${as_root[@]}" apt-get update -qq \
  && "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
  >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "browser_deps: apt-get failed; the full output is in $log" >&2
  exit 1
fi
rm -f "$log"
