#!/usr/bin/env bash
# Starts the whole stack on this machine: Redis, a Celery worker, Celery Beat and the API.
# Ctrl-C (or SIGTERM) stops everything, Redis last; if one process dies, the rest are
# stopped too and the script exits non-zero.
#
# Configuration is through env vars (backend/app/core/config.py lists them), plus:
#   REDIS_URL     use this Redis; when unset, an embedded one runs with data in .data/redis
#   REDIS_PORT    port of the embedded Redis (default 6379; a free one if that is busy)
#   STOP_TIMEOUT  seconds a process gets to finish after SIGTERM before SIGKILL (default 20)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
data_dir="$root/.data"
log_dir="$data_dir/logs"
pid_file="$data_dir/run.pid"
stop_timeout="${STOP_TIMEOUT:-20}"
# Generous, for a loaded machine replaying a large AOF or importing the app cold.
start_timeout=60

names=()
pids=()
signalled=false
stopping=false
force=false

say() { printf 'run.sh: %s\n' "$*" >&2; }

# A sleep that a signal interrupts at once, instead of being killed by it (under set -e a
# killed foreground sleep would end the script halfway through stopping the children).
pause() {  # seconds
  sleep "$1" &
  wait $! 2>/dev/null || true
}

# Copies a child's output to its log file and to the terminal, each line tagged [name].
# Ignores INT and TERM: it ends at EOF, after the child has logged its own shutdown.
tag_lines() {  # name log-file
  trap '' INT TERM
  local line
  exec 3>>"$2"
  while IFS= read -r line || [[ -n $line ]]; do
    printf '%s\n' "$line" >&3
    printf '[%s] %s\n' "$1" "$line"
  done
}

start() {  # name command...
  local name="$1" log="$log_dir/$1.log"
  shift
  if [[ -f $log ]]; then
    mv -f "$log" "$log.1"  # keep the previous run's log, e.g. to see why it crashed
  fi
  # Job control on for this one fork: the child leads its own process group, so a
  # Ctrl-C on the terminal reaches only this script, which stops the children in order.
  set -m
  "$@" </dev/null > >(tag_lines "$name" "$log") 2>&1 &
  set +m
  names+=("$name")
  pids+=("$!")
}

is_running() {  # index
  kill -0 "${pids[$1]}" 2>/dev/null
}

# SIGTERM, then wait for all to exit until STOP_TIMEOUT (or a second Ctrl-C), then SIGKILL.
stop_indexes() {  # index...
  local i deadline=$((SECONDS + stop_timeout))
  for i in "$@"; do
    if is_running "$i"; then kill -TERM "${pids[$i]}" 2>/dev/null || true; fi
  done
  for i in "$@"; do
    while is_running "$i"; do
      if [[ $force == true ]] || ((SECONDS >= deadline)); then
        say "${names[$i]} did not stop in time; killing it"
        kill -KILL -- "-${pids[$i]}" 2>/dev/null || true  # its group: pool children too
        break
      fi
      pause 0.1
    done
    wait "${pids[$i]}" 2>/dev/null || true  # reap it quietly: no "Killed" notice from bash
  done
}

# Redis goes last, so that the others can finish their work and log out cleanly.
stop_all() {
  stopping=true
  local i others=() redis=()
  if ((${#names[@]} == 0)); then return 0; fi
  for i in "${!names[@]}"; do
    if [[ ${names[$i]} == redis ]]; then redis+=("$i"); else others+=("$i"); fi
  done
  if ((${#others[@]})); then stop_indexes "${others[@]}"; fi
  if ((${#redis[@]})); then stop_indexes "${redis[@]}"; fi
}

# Stops the children here, not in an EXIT trap: bash lets a second Ctrl-C kill a script
# that is running its EXIT trap, which would leave the children behind.
shutdown() {  # exit-status
  stop_all
  rm -f "$pid_file"
  trap - EXIT
  exit "$1"
}

# The signal trap only records the signal; this acts on it between steps.
exit_if_signalled() {
  if [[ $signalled == true ]]; then
    say "stopping (press Ctrl-C again to kill at once)..."
    shutdown 0
  fi
}

fail() {
  say "$*"
  shutdown 1
}

# Polls `command...` until it succeeds; fails if child `index` exits or time runs out.
wait_for() {  # index description command...
  local index="$1" what="$2" deadline=$((SECONDS + start_timeout))
  shift 2
  until "$@" >/dev/null 2>&1; do
    exit_if_signalled
    if ! is_running "$index"; then
      fail "${names[$index]} exited while starting; see $log_dir/${names[$index]}.log"
    fi
    if ((SECONDS >= deadline)); then
      fail "$what within ${start_timeout}s; see $log_dir/${names[$index]}.log"
    fi
    pause 0.2
  done
}

claim_data_dir() {
  mkdir -p "$log_dir" "$data_dir/redis"
  local other
  if [[ -f $pid_file ]] && other="$(cat "$pid_file")" && kill -0 "$other" 2>/dev/null; then
    say "another ./run.sh is running (pid $other) on the same .data; stop it first"
    exit 1
  fi
  echo "$$" >"$pid_file"
}

start_embedded_redis() {
  local wanted="${REDIS_PORT:-6379}" port
  port="$("$python" -c 'import sys
from app.core.embedded_redis import pick_port
print(pick_port(int(sys.argv[1])))' "$wanted")"
  if [[ $port != "$wanted" ]]; then
    say "port $wanted is busy, so the embedded Redis uses port $port (set REDIS_PORT to choose)"
  fi
  start redis "$python" -m app.core.embedded_redis \
    --port "$port" --dir "$data_dir/redis" --appendonly
  wait_for $((${#pids[@]} - 1)) "Redis did not answer PING on port $port" \
    "$python" -c 'import sys
from app.core.embedded_redis import ping
sys.exit(not ping(int(sys.argv[1])))' "$port"
  export REDIS_URL="redis://127.0.0.1:$port/0"
  redis_desc="embedded, $REDIS_URL, data in .data/redis"
}

print_banner() {
  local host="${API_HOST:-127.0.0.1}" port="${API_PORT:-8000}"
  case $host in
    0.0.0.0 | "") host=127.0.0.1 ;;
    :: | "[::]") host="[::1]" ;;
    *:*) host="[$host]" ;;
  esac
  printf '\n  API    http://%s:%s\n  Docs   http://%s:%s/docs\n' "$host" "$port" "$host" "$port"
  printf '  Redis  %s\n  Logs   %s/{redis,worker,beat,api}.log\n' "$redis_desc" "$log_dir"
  if [[ $REDIS_URL != "redis://127.0.0.1:6379/0" && $redis_desc == embedded* ]]; then
    # Port 6379 was busy: tools started from another terminal need the URL.
    printf '  Check  REDIS_URL=%s ./check_schedules.sh\n' "$REDIS_URL"
  else
    printf '  Check  ./check_schedules.sh\n'
  fi
  printf '  Ctrl-C to stop.\n\n'
}

api_answers() {  # host port
  "$python" -c 'import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()' "$@"
}

main() {
  "$root/scripts/bootstrap.sh"
  python="$root/.venv/bin/python"
  export PYTHONUNBUFFERED=1  # log lines reach the terminal as they happen

  claim_data_dir
  trap 'stop_all; rm -f "$pid_file"' EXIT  # on an unexpected error
  # A second signal while stopping turns SIGTERM-and-wait into SIGKILL at once.
  trap 'signalled=true; force=$stopping' INT TERM HUP

  redis_desc="REDIS_URL from the environment"
  if [[ -z ${REDIS_URL:-} ]]; then
    start_embedded_redis
  fi
  start worker "$root/run_worker.sh"
  start beat "$root/run_celery_beat.sh"
  start api "$root/run_api.sh"
  local api_host="${API_HOST:-127.0.0.1}"
  if [[ $api_host == 0.0.0.0 || $api_host == "::" ]]; then api_host=localhost; fi
  wait_for $((${#pids[@]} - 1)) "the API did not open port ${API_PORT:-8000}" \
    api_answers "$api_host" "${API_PORT:-8000}"
  print_banner

  local i status
  while true; do
    exit_if_signalled
    for i in "${!pids[@]}"; do
      if ! is_running "$i"; then
        status=0
        wait "${pids[$i]}" 2>/dev/null || status=$?
        fail "${names[$i]} exited (status $status), so the rest are stopping;" \
          "see $log_dir/${names[$i]}.log"
      fi
    done
    pause 1
  done
}

main "$@"
