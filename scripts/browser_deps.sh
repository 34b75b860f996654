#!/usr/bin/env bash
# Debian's Chromium and its WebDriver for the browser tests (tests/browser), installed
# with apt-get when missing: CI starts on a fresh machine, as root. Silent when all is
# there. A Korean font too, so that screenshots show 한글 rather than boxes (best effort:
# its absence fails nothing).
#
# Without root (nor passwordless sudo) or apt-get it fails, unless BROWSER_TESTS=skip
# says the browser tests are meant to be skipped here (they then skip, saying why).
set -euo pipefail

required=(chromium chromium-driver)
optional=(fonts-nanum)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for package in "${required[@]}"; do
  installed "$package" || missing+=("$package")
done
missing_optional=()
for package in "${optional[@]}"; do
  installed "$package" || missing_optional+=("$package")
done
((${#missing[@]} + ${#missing_optional[@]})) || exit 0

refuse() {
  if [[ ${BROWSER_TESTS:-} == skip ]]; then
    echo "browser_deps: $1; BROWSER_TESTS=skip, so the browser tests will skip" >&2
    exit 0
  fi
  echo "browser_deps: $1. Run this script as root, or set BROWSER_TESTS=skip to skip" \
    "the browser tests on purpose." >&2
  exit 1
}

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  elif ((${#missing[@]})); then
    refuse "${missing[*]} missing and not root (nor passwordless sudo)"
  else
    echo "browser_deps: ${missing_optional[*]} missing and not root: screenshots may lack a Korean font" >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  if ((${#missing[@]})); then
    refuse "${missing[*]} missing and no apt-get"
  fi
  exit 0
fi

# sudo drops the environment: the settings go through env, in the command itself.
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
  apt-get -o DPkg::Lock::Timeout=300)

log="$(mktemp)"
echo "browser_deps: installing ${missing[*]} ${missing_optional[*]} with apt-get (once; a minute or two)..."
if ! "${apt[@]}" update -qq </dev/null >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "browser_deps: apt-get update failed; the full output is in $log" >&2
  exit 1
fi
if ((${#missing[@]})); then
  if ! "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" </dev/null >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "browser_deps: apt-get install failed; the full output is in $log" >&2
    exit 1
  fi
fi
if ((${#missing_optional[@]})); then
  if ! "${apt[@]}" install -y -qq --no-install-recommends "${missing_optional[@]}" </dev/null >>"$log" 2>&1; then
    echo "browser_deps: ${missing_optional[*]} not installed (screenshots may lack a Korean font); see $log" >&2
  fi
fi

for check in "chromium --version" "chromedriver --version"; do
  if ! $check </dev/null >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "browser_deps: installed, but '$check' fails; the full output is in $log" >&2
    exit 1
  fi
done
rm -f "$log"
