#!/usr/bin/env bash
# Starts, stops or reports a development Redis Sentinel setup for the job
# queue: one master, one replica and three sentinels (still one Redis for the
# queue, D9), with the same AOF settings as the single Redis (redis/redis.conf).
#   scripts/start-redis-sentinel.sh start|stop|status   (npm run redis-sentinel:start|stop|status)
# Uses docker compose (docker-compose.redis-sentinel.yml, host network) when a
# Docker engine answers; otherwise local redis-server processes (a sentinel is
# `redis-server <conf> --sentinel`, so the redis-sentinel binary is not needed).
# The sentinels and the master group name come from redis.jobqueue.sentinel
# (config/$APP_ENV/cacheserver.yaml, REDIS_JOBQUEUE_SENTINEL_* applied) when it
# is set, else 127.0.0.1:26379-26381 and "dm-jobqueue". Point the app at it with:
#   REDIS_JOBQUEUE_SENTINEL_NAME=dm-jobqueue REDIS_JOBQUEUE_SENTINEL_ADDRS=127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381
# Sentinel rewrites its files after a failover, and the data nodes' files too,
# so a stop and start keeps whichever node is master now.
# Environment:
#   REDIS_SENTINEL_MASTER_PORT   the first master's port (default 6380)
#   REDIS_SENTINEL_REPLICA_PORT  the replica's port (default master + 1)
#   REDIS_SENTINEL_BIND          host address to listen on (default 127.0.0.1)
#   REDIS_SENTINEL_DATA_DIR      data directory, one folder per port (default redis/data/sentinel)
#   REDIS_SENTINEL_DOWN_AFTER_MS down-after-milliseconds (default 5000)
#   REDIS_START_MODE             auto (default) | docker | local
#   REDIS_START_TIMEOUT_SECONDS  how long start waits (default 60)
# Exit status: 0 done / running; 1 failed, or (status) partly running; 2 usage; 3 (status) not running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/redis-common.sh
. "$ROOT/scripts/lib/redis-common.sh"

LOG_PREFIX=redis-sentinel
START_MODE="${REDIS_START_MODE:-auto}"
BIND="${REDIS_SENTINEL_BIND:-127.0.0.1}"
START_TIMEOUT="${REDIS_START_TIMEOUT_SECONDS:-60}"
DOWN_AFTER_MS="${REDIS_SENTINEL_DOWN_AFTER_MS:-5000}"
MASTER_PORT="${REDIS_SENTINEL_MASTER_PORT:-6380}"
REPLICA_PORT="${REDIS_SENTINEL_REPLICA_PORT:-$((MASTER_PORT + 1))}"
COMPOSE_FILE="$ROOT/docker-compose.redis-sentinel.yml"
DATA_DIR="$(absolute_path "${REDIS_SENTINEL_DATA_DIR:-$ROOT/redis/data/sentinel}")"
for port in "$MASTER_PORT" "$REPLICA_PORT" "$DOWN_AFTER_MS"; do
  [[ "$port" =~ ^[0-9]+$ ]] || die "ports and down-after-milliseconds must be numbers (got \"$port\")"
done

# The sentinel setting the app reads; the defaults when it has none.
NAME=dm-jobqueue
SENTINEL_PORTS=(26379 26380 26381)
if setting="$(cd "$ROOT" && node --import tsx scripts/lib/print-jobqueue-addr.ts --sentinel 2>/dev/null)"; then
  NAME="$(printf '%s\n' "$setting" | sed -n 1p)"
  SENTINEL_PORTS=()
  while IFS= read -r addr; do
    [ -n "$addr" ] || continue
    case "${addr%:*}" in
      localhost | 127.0.0.1 | ::1 | '[::1]') ;;
      *) die "redis.jobqueue.sentinel lists $addr, on another machine; this script starts sentinels on this machine only" ;;
    esac
    SENTINEL_PORTS+=("${addr##*:}")
  done < <(printf '%s\n' "$setting" | sed -n '2,$p')
fi
QUORUM=$(( ${#SENTINEL_PORTS[@]} / 2 + 1 ))
DATA_PORTS=("$MASTER_PORT" "$REPLICA_PORT")
ALL_PORTS=("${DATA_PORTS[@]}" "${SENTINEL_PORTS[@]}")

pid_file() { printf '%s/%s/redis.pid\n' "$DATA_DIR" "$1"; }
log_file() { printf '%s/%s/redis.log\n' "$DATA_DIR" "$1"; }
compose() {
  REDIS_SENTINEL_MASTER_PORT="$MASTER_PORT" REDIS_SENTINEL_REPLICA_PORT="$REPLICA_PORT" \
    REDIS_SENTINEL_PORT_1="${SENTINEL_PORTS[0]}" REDIS_SENTINEL_PORT_2="${SENTINEL_PORTS[1]:-26380}" REDIS_SENTINEL_PORT_3="${SENTINEL_PORTS[2]:-26381}" \
    REDIS_SENTINEL_NAME="$NAME" REDIS_SENTINEL_BIND="$BIND" REDIS_SENTINEL_DATA_DIR="$DATA_DIR" REDIS_SENTINEL_DOWN_AFTER_MS="$DOWN_AFTER_MS" \
    "${COMPOSE[@]}" -f "$COMPOSE_FILE" "$@"
}
compose_running() { use_docker && [ -n "$(compose ps -q 2>/dev/null)" ]; }
all_answer() {
  local port
  for port in "${ALL_PORTS[@]}"; do redis_ping 127.0.0.1 "$port" || return 1; done
}
local_pids() {
  local port pid pids=()
  for port in "${ALL_PORTS[@]}"; do
    if pid="$(live_redis_pid "$(pid_file "$port")")"; then pids+=("$port:$pid"); fi
  done
  printf '%s\n' "${pids[*]+"${pids[*]}"}"
}

# write_node_conf PORT [MASTER_PORT]: a data node's own file (kept once written: Sentinel rewrites it on failover).
write_node_conf() {
  local dir="$DATA_DIR/$1" file="$DATA_DIR/$1/redis.conf"
  mkdir -p "$dir"
  [ -f "$file" ] && return
  {
    printf 'include %s\n' "$ROOT/redis/redis.conf"
    printf 'port %s\nbind %s\ndir %s\n' "$1" "$BIND" "$dir"
    [ -z "${2:-}" ] || printf 'replicaof 127.0.0.1 %s\n' "$2"
  } >"$file"
}

write_sentinel_conf() {
  local dir="$DATA_DIR/$1" file="$DATA_DIR/$1/sentinel.conf"
  mkdir -p "$dir"
  [ -f "$file" ] && return
  {
    printf 'port %s\nbind %s\ndir %s\n' "$1" "$BIND" "$dir"
    printf 'sentinel monitor %s 127.0.0.1 %s %s\n' "$NAME" "$MASTER_PORT" "$QUORUM"
    printf 'sentinel down-after-milliseconds %s %s\n' "$NAME" "$DOWN_AFTER_MS"
    printf 'sentinel failover-timeout %s %s\n' "$NAME" 60000
    printf 'sentinel parallel-syncs %s 1\n' "$NAME"
  } >"$file"
}

start_local() {
  local port pid
  command -v redis-server >/dev/null 2>&1 || die "no Docker engine and no redis-server binary: install one (e.g. apt-get install redis-server, brew install redis)"
  write_node_conf "$MASTER_PORT"
  write_node_conf "$REPLICA_PORT" "$MASTER_PORT"
  for port in "${SENTINEL_PORTS[@]}"; do write_sentinel_conf "$port"; done
  for port in "${ALL_PORTS[@]}"; do
    if live_redis_pid "$(pid_file "$port")" >/dev/null; then continue; fi
    tcp_answers 127.0.0.1 "$port" && die "something else already listens on 127.0.0.1:$port; stop it or choose other ports"
    rm -f "$(pid_file "$port")"
    if [ -f "$DATA_DIR/$port/sentinel.conf" ]; then
      redis-server "$DATA_DIR/$port/sentinel.conf" --sentinel --daemonize yes --pidfile "$(pid_file "$port")" --logfile "$(log_file "$port")"
    else
      redis-server "$DATA_DIR/$port/redis.conf" --daemonize yes --pidfile "$(pid_file "$port")" --logfile "$(log_file "$port")"
    fi
    wait_for 5 live_redis_pid "$(pid_file "$port")" >/dev/null || die "redis-server on port $port did not start; last lines of $(log_file "$port"):$(printf '\n'; tail -n 20 "$(log_file "$port")" 2>/dev/null)"
  done
  wait_for "$START_TIMEOUT" all_answer || die "not every process answered PING within $START_TIMEOUT s; logs in $DATA_DIR/<port>/redis.log"
  say "started local master 127.0.0.1:$MASTER_PORT, replica 127.0.0.1:$REPLICA_PORT and sentinels on ${SENTINEL_PORTS[*]} (AOF on, appendfsync everysec; quorum $QUORUM)"
  say "data and logs in $DATA_DIR/<port>/"
}

start() {
  mkdir -p "$DATA_DIR"
  if [ -n "$(local_pids)" ] && all_answer; then
    say "already running: $(local_pids); starting nothing"
  elif use_docker; then
    compose up -d
    wait_for "$START_TIMEOUT" all_answer || die "the compose setup did not answer PING within $START_TIMEOUT s; see: ${COMPOSE[*]} -f $COMPOSE_FILE logs"
    say "started master, replica and sentinels with docker compose (host network) on ${ALL_PORTS[*]}"
  else
    start_local
  fi
  say "point the app at it: REDIS_JOBQUEUE_SENTINEL_NAME=$NAME REDIS_JOBQUEUE_SENTINEL_ADDRS=$(printf '127.0.0.1:%s,' "${SENTINEL_PORTS[@]}" | sed 's/,$//')"
}

stop() {
  local port pid stopped=()
  # Sentinels first: a master that stops under their eyes would be failed over.
  for port in "${SENTINEL_PORTS[@]}" "$REPLICA_PORT" "$MASTER_PORT"; do
    if pid="$(live_redis_pid "$(pid_file "$port")")"; then
      stop_redis_pid "$pid" 30
      rm -f "$(pid_file "$port")"
      stopped+=("$port")
    fi
  done
  if [ "${#stopped[@]}" -gt 0 ]; then
    say "stopped the local processes on ${stopped[*]} (SIGTERM, AOF flushed); data kept in $DATA_DIR"
  elif compose_running; then
    compose rm --stop --force
    say "stopped the docker compose setup; data kept in $DATA_DIR"
  else
    say "not running; nothing to stop"
  fi
}

# current_master: "host:port" the first answering sentinel names, when redis-cli is here.
current_master() {
  local port
  command -v redis-cli >/dev/null 2>&1 || return 1
  for port in "${SENTINEL_PORTS[@]}"; do
    redis-cli -h 127.0.0.1 -p "$port" sentinel get-master-addr-by-name "$NAME" 2>/dev/null | paste -sd: - && return 0
  done
  return 1
}

status() {
  local port up=() down=()
  for port in "${ALL_PORTS[@]}"; do
    if redis_ping 127.0.0.1 "$port"; then up+=("$port"); else down+=("$port"); fi
  done
  if [ "${#up[@]}" -eq 0 ]; then
    say "not running (ports ${ALL_PORTS[*]})"
    exit 3
  fi
  if [ "${#down[@]}" -gt 0 ]; then
    say "partly running: answering ${up[*]}; not answering ${down[*]}"
    exit 1
  fi
  say "running: data nodes on ${DATA_PORTS[*]}, sentinels on ${SENTINEL_PORTS[*]}; master of \"$NAME\": $(current_master || echo 'unknown (no redis-cli)')"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
