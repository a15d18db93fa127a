#!/usr/bin/env bash
# Starts, stops or reports the job-queue Redis (D1, D4): one Redis, AOF on.
#   scripts/start-redis.sh start|stop|status      (npm run redis:start|redis:stop|redis:status)
# Uses docker compose (docker-compose.redis.yml) when a Docker engine answers;
# otherwise the local redis-server binary with the same redis/redis.conf, the
# same port and the same data directory.
# Which Redis: the one the app uses. The port comes from REDIS_JOBQUEUE_ADDR
# (the app's own variable), else REDIS_PORT, else (stop, status) the Redis this
# script started in the data directory, else redis.jobqueue.addr of
# config/$APP_ENV/cacheserver.yaml.
# Environment:
#   REDIS_JOBQUEUE_ADDR          host:port of the job-queue Redis, as the app reads it (host must be this machine)
#   REDIS_PORT                   host port only (docker-compose.redis.yml reads it too)
#   REDIS_BIND                   host address to listen on (default 127.0.0.1; never a public one)
#   REDIS_DATA_DIR               data directory (default redis/data/jobqueue under the project)
#   REDIS_START_MODE             auto (default) | docker | local
#   REDIS_START_TIMEOUT_SECONDS  how long start waits for PONG, AOF loading included (default 60)
# Exit status: 0 done / running; 1 failed; 2 usage; 3 (status) not running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/redis-common.sh
. "$ROOT/scripts/lib/redis-common.sh"

LOG_PREFIX=redis
START_MODE="${REDIS_START_MODE:-auto}"
BIND="${REDIS_BIND:-127.0.0.1}"
START_TIMEOUT="${REDIS_START_TIMEOUT_SECONDS:-60}"
COMPOSE_FILE="$ROOT/docker-compose.redis.yml"
DATA_DIR="$(absolute_path "${REDIS_DATA_DIR:-$ROOT/redis/data/jobqueue}")"

# port_of HOST:PORT -> PORT, refusing a host that is not this machine.
port_of() {
  local addr="$1" host="${1%:*}" port="${1##*:}"
  case "$host" in
    localhost | 127.0.0.1 | ::1 | '[::1]' | '') ;;
    *) die "the job-queue Redis is configured at $addr, on another machine; this script starts one on this machine only" ;;
  esac
  printf '%s\n' "$port"
}

# started_port: the port of the live Redis this script started in DATA_DIR, if exactly one runs there.
started_port() {
  local file found=''
  for file in "$DATA_DIR"/redis-server-*.pid; do
    [ -e "$file" ] || continue
    live_redis_pid "$file" >/dev/null || continue
    [ -z "$found" ] || return 1
    found="$(basename "$file" .pid)"
    found="${found#redis-server-}"
  done
  [ -n "$found" ] && printf '%s\n' "$found"
}

configured_port() {
  local addr
  addr="$(cd "$ROOT" && node --import tsx scripts/lib/print-jobqueue-addr.ts)" || die "cannot read the job-queue Redis address from config/${APP_ENV:-develop}/cacheserver.yaml"
  port_of "$addr"
}

if [ -n "${REDIS_JOBQUEUE_ADDR:-}" ]; then
  PORT="$(port_of "$REDIS_JOBQUEUE_ADDR")"
elif [ -n "${REDIS_PORT:-}" ]; then
  PORT="$REDIS_PORT"
elif [ "${1:-}" != start ] && PORT="$(started_port)"; then
  :
else
  PORT="$(configured_port)"
fi
[[ "$PORT" =~ ^[0-9]+$ ]] || die "the port must be a number (got \"$PORT\")"
PID_FILE="$DATA_DIR/redis-server-$PORT.pid"
LOG_FILE="$DATA_DIR/redis-server-$PORT.log"

# refuse_shared_data_dir: two servers in one directory overwrite each other's AOF.
refuse_shared_data_dir() {
  local file other pid
  for file in "$DATA_DIR"/redis-server-*.pid; do
    [ -e "$file" ] && [ "$file" != "$PID_FILE" ] || continue
    pid="$(live_redis_pid "$file")" || continue
    other="$(basename "$file" .pid)"
    other="${other#redis-server-}"
    die "$DATA_DIR is already the data directory of the Redis on port $other (pid $pid); two servers in one directory overwrite each other's AOF. Give this one its own: REDIS_DATA_DIR=redis/data/jobqueue-$PORT REDIS_JOBQUEUE_ADDR=localhost:$PORT npm run redis:start"
  done
}

compose() {
  REDIS_PORT="$PORT" REDIS_BIND="$BIND" REDIS_DATA_DIR="$DATA_DIR" "${COMPOSE[@]}" -f "$COMPOSE_FILE" "$@"
}
compose_running() { use_docker && [ -n "$(compose ps -q 2>/dev/null)" ]; }
answers() { redis_ping 127.0.0.1 "$PORT"; }
# appendonly: the server's appendonly setting (redis-cli takes a password from REDISCLI_AUTH).
appendonly() {
  local value=''
  if command -v redis-cli >/dev/null 2>&1; then
    value="$(redis-cli -h 127.0.0.1 -p "$PORT" config get appendonly 2>/dev/null | sed -n 2p || true)"
  fi
  case "$value" in
    yes | no) printf '%s\n' "$value" ;;
    *) printf 'unknown (password required? set REDISCLI_AUTH)\n' ;;
  esac
}

start() {
  local pid
  if pid="$(live_redis_pid "$PID_FILE")"; then
    say "already running: local redis-server (pid $pid) on 127.0.0.1:$PORT; starting nothing"
    return
  fi
  if tcp_answers 127.0.0.1 "$PORT"; then
    say "something already answers on 127.0.0.1:$PORT; starting nothing (data of that server is wherever it keeps it)"
    return
  fi
  mkdir -p "$DATA_DIR"
  refuse_shared_data_dir
  if use_docker; then
    compose up -d
    wait_for "$START_TIMEOUT" answers || die "Redis (docker) did not answer PING on port $PORT within $START_TIMEOUT s; see: ${COMPOSE[*]} -f $COMPOSE_FILE logs"
    say "started the job-queue Redis with docker compose on 127.0.0.1:$PORT (AOF on, appendfsync everysec)"
    say "data in $DATA_DIR (appendonlydir/ inside it)"
    return
  fi
  command -v redis-server >/dev/null 2>&1 || die "no Docker engine and no redis-server binary: install one (e.g. apt-get install redis-server, brew install redis)"
  rm -f "$PID_FILE"
  redis-server "$ROOT/redis/redis.conf" \
    --port "$PORT" --bind "$BIND" --dir "$DATA_DIR" \
    --daemonize yes --pidfile "$PID_FILE" --logfile "$LOG_FILE"
  # The daemon writes its pidfile before it loads the AOF.
  wait_for 5 live_redis_pid "$PID_FILE" >/dev/null || die "redis-server did not start; last lines of $LOG_FILE:$(printf '\n'; tail -n 20 "$LOG_FILE" 2>/dev/null)"
  pid="$(live_redis_pid "$PID_FILE")"
  if ! wait_for "$START_TIMEOUT" answers; then
    pid_alive "$pid" && die "redis-server (pid $pid) runs but did not answer PING within $START_TIMEOUT s (still loading a large AOF?); see $LOG_FILE"
    die "redis-server exited; last lines of $LOG_FILE:$(printf '\n'; tail -n 20 "$LOG_FILE" 2>/dev/null)"
  fi
  say "started local redis-server (pid $pid) on $BIND:$PORT with AOF on, appendfsync everysec (no Docker engine found)"
  say "data in $DATA_DIR (appendonlydir/ inside it), log in $LOG_FILE"
}

stop() {
  local pid
  if pid="$(live_redis_pid "$PID_FILE")"; then
    stop_redis_pid "$pid" 30
    rm -f "$PID_FILE"
    say "stopped local redis-server (pid $pid; SIGTERM, AOF flushed); data kept in $DATA_DIR"
  elif compose_running; then
    # rm --stop, not down: the dm-jobqueue network stays for a Redis Insight attached to it.
    compose rm --stop --force
    say "stopped the docker compose Redis; data kept in $DATA_DIR"
  elif tcp_answers 127.0.0.1 "$PORT"; then
    die "the Redis on port $PORT was not started by this script (no live pidfile $PID_FILE, no compose container); not stopping it"
  else
    rm -f "$PID_FILE"
    say "not running on port $PORT; nothing to stop"
  fi
}

status() {
  local pid
  if ! answers; then
    if pid="$(live_redis_pid "$PID_FILE")"; then
      say "not answering PING: local redis-server (pid $pid) on port $PORT is up but not ready (loading its AOF?); see $LOG_FILE"
    elif tcp_answers 127.0.0.1 "$PORT"; then
      say "not answering PING on 127.0.0.1:$PORT: something listens there but does not answer as a Redis (reply: $(redis_reply 127.0.0.1 "$PORT" || echo none))"
    else
      say "not running on port $PORT"
    fi
    exit 3
  fi
  if pid="$(live_redis_pid "$PID_FILE")"; then
    say "running: local redis-server (pid $pid) on 127.0.0.1:$PORT, appendonly=$(appendonly), data in $DATA_DIR"
  elif compose_running; then
    say "running: docker compose on 127.0.0.1:$PORT, appendonly=$(appendonly), data in $DATA_DIR"
  else
    say "running on 127.0.0.1:$PORT (not started by this script), appendonly=$(appendonly)"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
