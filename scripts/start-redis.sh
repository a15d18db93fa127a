#!/usr/bin/env bash
# Starts, stops or reports the job-queue Redis (D1, D4).
#   scripts/start-redis.sh start|stop|status
# Uses docker compose (docker-compose.redis.yml) when a Docker engine answers;
# otherwise the local redis-server binary with the same redis/redis.conf.
# Environment:
#   REDIS_PORT       host port (default 6379)
#   REDIS_DATA_DIR   data directory (default redis/data/jobqueue under the project)
#   REDIS_START_MODE auto (default) | docker | local
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${REDIS_PORT:-6379}"
DATA_DIR="${REDIS_DATA_DIR:-$ROOT/redis/data/jobqueue}"
MODE="${REDIS_START_MODE:-auto}"
COMPOSE_FILE="$ROOT/docker-compose.redis.yml"
PID_FILE="$DATA_DIR/redis-server-$PORT.pid"
LOG_FILE="$DATA_DIR/redis-server-$PORT.log"

say() { printf '[redis] %s\n' "$*"; }
die() { printf '[redis] %s\n' "$*" >&2; exit 1; }

answers_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]; }
docker_available() {
  [ "$MODE" = "docker" ] && return 0
  [ "$MODE" = "local" ] && return 1
  command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}
local_pid() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null && cat "$PID_FILE"; }
compose() { REDIS_PORT="$PORT" REDIS_DATA_DIR="$DATA_DIR" docker compose -f "$COMPOSE_FILE" "$@"; }

wait_for_ping() {
  for _ in $(seq 1 100); do answers_ping && return 0; sleep 0.1; done
  return 1
}

start() {
  if answers_ping; then
    say "something already answers PING on 127.0.0.1:$PORT; starting nothing"
    exit 0
  fi
  mkdir -p "$DATA_DIR"
  if docker_available; then
    compose up -d
    wait_for_ping || die "Redis (docker) did not answer on port $PORT within 10 s; see: docker compose -f $COMPOSE_FILE logs"
    say "started with docker compose on 127.0.0.1:$PORT (AOF on); data in $DATA_DIR"
    return
  fi
  command -v redis-server >/dev/null 2>&1 || die "no Docker engine and no redis-server binary: install one (e.g. apt-get install redis-server)"
  redis-server "$ROOT/redis/redis.conf" \
    --port "$PORT" --bind 127.0.0.1 --dir "$DATA_DIR" \
    --daemonize yes --pidfile "$PID_FILE" --logfile "$LOG_FILE"
  wait_for_ping || die "redis-server did not answer on port $PORT within 10 s; see $LOG_FILE"
  say "started local redis-server (pid $(cat "$PID_FILE")) on 127.0.0.1:$PORT with AOF on (no Docker engine found)"
  say "data in $DATA_DIR, log in $LOG_FILE"
}

stop() {
  local pid
  if pid="$(local_pid)"; then
    # SHUTDOWN flushes the AOF before exiting; a kill -9 would not.
    redis-cli -h 127.0.0.1 -p "$PORT" shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && die "redis-server (pid $pid) did not stop"
    rm -f "$PID_FILE"
    say "stopped local redis-server (pid $pid); data kept in $DATA_DIR"
  elif docker_available && [ -n "$(compose ps -q 2>/dev/null)" ]; then
    compose down
    say "stopped the docker compose Redis; data kept in $DATA_DIR"
  elif answers_ping; then
    die "the Redis on port $PORT was not started by this script; not stopping it"
  else
    say "not running on port $PORT"
  fi
}

status() {
  local pid
  if ! answers_ping; then
    say "not running on port $PORT"
    exit 3
  fi
  local aof
  aof="$(redis-cli -h 127.0.0.1 -p "$PORT" config get appendonly 2>/dev/null | tail -n 1)"
  if pid="$(local_pid)"; then
    say "running: local redis-server (pid $pid) on 127.0.0.1:$PORT, appendonly=$aof, data in $DATA_DIR"
  elif docker_available && [ -n "$(compose ps -q 2>/dev/null)" ]; then
    say "running: docker compose on 127.0.0.1:$PORT, appendonly=$aof, data in $DATA_DIR"
  else
    say "running on 127.0.0.1:$PORT (not started by this script), appendonly=$aof"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
