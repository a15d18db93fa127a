#!/usr/bin/env bash
# Starts, stops or reports a small development Redis Cluster (3 masters, no
# replicas) for the rate limiter and other caches: redis.default.cluster.addrs (D9).
#   scripts/start-redis-cluster.sh start|stop|status   (npm run redis-cluster:start|stop|status)
# Uses docker compose (docker-compose.redis-cluster.yml) when a Docker engine
# answers; otherwise three local redis-server processes with redis/redis-cluster.conf
# (cluster mode, AOF on) on the same ports, and creates the cluster with redis-cli.
# Point the app at it with, e.g.:
#   REDIS_DEFAULT_CLUSTER_ADDRS=127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002
# Environment:
#   REDIS_CLUSTER_BASE_PORT      first node's port; the others follow (default 7000 -> 7000-7002).
#                                Cluster bus ports are these + 10000 and must be free too.
#   REDIS_CLUSTER_BIND           host address to listen on (default 127.0.0.1)
#   REDIS_CLUSTER_DATA_DIR       data directory, one folder per port (default redis/data/cluster)
#   REDIS_START_MODE             auto (default) | docker | local
#   REDIS_START_TIMEOUT_SECONDS  how long start waits for cluster_state:ok (default 60)
# Exit status: 0 done / running and ok; 1 failed, or (status) partly running or
# cluster not ok; 2 usage; 3 (status) not running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/redis-common.sh
. "$ROOT/scripts/lib/redis-common.sh"

LOG_PREFIX=redis-cluster
START_MODE="${REDIS_START_MODE:-auto}"
BASE_PORT="${REDIS_CLUSTER_BASE_PORT:-7000}"
BIND="${REDIS_CLUSTER_BIND:-127.0.0.1}"
START_TIMEOUT="${REDIS_START_TIMEOUT_SECONDS:-60}"
COMPOSE_FILE="$ROOT/docker-compose.redis-cluster.yml"
if ! [[ "$BASE_PORT" =~ ^[0-9]+$ ]] || [ "$BASE_PORT" -lt 1 ] || [ "$BASE_PORT" -gt 55533 ]; then
  die "REDIS_CLUSTER_BASE_PORT must be a port from 1 to 55533, so that it + 2 + 10000 fits (got \"$BASE_PORT\")"
fi
PORTS=("$BASE_PORT" "$((BASE_PORT + 1))" "$((BASE_PORT + 2))")
DATA_DIR="$(absolute_path "${REDIS_CLUSTER_DATA_DIR:-$ROOT/redis/data/cluster}")"
NODES=("127.0.0.1:${PORTS[0]}" "127.0.0.1:${PORTS[1]}" "127.0.0.1:${PORTS[2]}")
ADDRS="$(IFS=,; printf '%s' "${NODES[*]}")"

pid_file() { printf '%s/%s/redis-server.pid\n' "$DATA_DIR" "$1"; }
log_file() { printf '%s/%s/redis-server.log\n' "$DATA_DIR" "$1"; }
compose() {
  REDIS_CLUSTER_PORT_1="${PORTS[0]}" REDIS_CLUSTER_PORT_2="${PORTS[1]}" REDIS_CLUSTER_PORT_3="${PORTS[2]}" \
    REDIS_CLUSTER_BIND="$BIND" REDIS_CLUSTER_DATA_DIR="$DATA_DIR" "${COMPOSE[@]}" -f "$COMPOSE_FILE" "$@"
}
compose_running() { use_docker && [ -n "$(compose ps -q 2>/dev/null)" ]; }

# cli PORT ARGS...: redis-cli against one node; inside the first container when
# the host has no redis-cli (the nodes share that container's network).
cli() {
  local port="$1"
  shift
  if command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h 127.0.0.1 -p "$port" "$@"
  elif compose_running; then
    compose exec -T redis-cluster-1 redis-cli -p "$port" "$@"
  else
    die "redis-cli is needed (e.g. apt-get install redis-tools, brew install redis)"
  fi
}
# cluster_field PORT FIELD: one value of CLUSTER INFO, e.g. cluster_state -> ok.
cluster_field() {
  cli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}
cluster_ok() { [ "$(cluster_field "${PORTS[0]}" cluster_state)" = ok ]; }
all_answer() {
  local port
  for port in "${PORTS[@]}"; do redis_ping 127.0.0.1 "$port" || return 1; done
}
# Ports that accept TCP connections, space-separated.
busy_ports() {
  local port busy=()
  for port in "${PORTS[@]}"; do
    if tcp_answers 127.0.0.1 "$port"; then busy+=("$port"); fi
  done
  printf '%s\n' "${busy[*]+"${busy[*]}"}"
}
# Pids of the local nodes that run, space-separated.
local_pids() {
  local port pid pids=()
  for port in "${PORTS[@]}"; do
    if pid="$(live_redis_pid "$(pid_file "$port")")"; then pids+=("$pid"); fi
  done
  printf '%s\n' "${pids[*]+"${pids[*]}"}"
}

stop_local_nodes() {
  local port pid
  for port in "${PORTS[@]}"; do
    if pid="$(live_redis_pid "$(pid_file "$port")")"; then
      stop_redis_pid "$pid" 30
    fi
    rm -f "$(pid_file "$port")"
  done
}

start_local() {
  local port pid
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    die "no Docker engine, and redis-server/redis-cli are missing: install them (e.g. apt-get install redis-server, brew install redis)"
  fi
  for port in "${PORTS[@]}"; do
    mkdir -p "$DATA_DIR/$port"
    rm -f "$(pid_file "$port")"
    redis-server "$ROOT/redis/redis-cluster.conf" \
      --port "$port" --bind "$BIND" --dir "$DATA_DIR/$port" \
      --daemonize yes --pidfile "$(pid_file "$port")" --logfile "$(log_file "$port")"
  done
  for port in "${PORTS[@]}"; do
    if ! wait_for "$START_TIMEOUT" redis_ping 127.0.0.1 "$port"; then
      warn "node $port did not answer PING within $START_TIMEOUT s; last lines of $(log_file "$port"):"
      tail -n 20 "$(log_file "$port")" >&2 2>/dev/null || true
      stop_local_nodes
      die "start failed; stopped the nodes it had started"
    fi
  done
  # A fresh node has no slots; restarted ones remember the cluster in nodes.conf.
  if [ "$(cluster_field "${PORTS[0]}" cluster_slots_assigned)" = 0 ]; then
    say "creating the cluster: ${PORTS[*]} (3 masters, no replicas)"
    if ! redis-cli --cluster create "${NODES[@]}" --cluster-replicas 0 --cluster-yes >"$DATA_DIR/cluster-create.log" 2>&1; then
      cat "$DATA_DIR/cluster-create.log" >&2
      stop_local_nodes
      die "redis-cli --cluster create failed; stopped the nodes it had started"
    fi
  fi
  if ! wait_for "$START_TIMEOUT" cluster_ok; then
    stop_local_nodes
    die "the cluster did not reach cluster_state:ok within $START_TIMEOUT s; stopped its nodes (logs in $DATA_DIR/<port>/redis-server.log)"
  fi
  pid="$(local_pids)"
  say "started a local Redis Cluster (redis-server pids $pid) on $BIND ports ${PORTS[*]}: cluster_state ok, AOF on (no Docker engine found)"
}

start() {
  local busy
  busy="$(busy_ports)"
  if [ -n "$busy" ]; then
    if all_answer && cluster_ok; then
      say "already running: a Redis Cluster answers on ${PORTS[*]} (cluster_state ok); starting nothing"
      return
    fi
    die "something already answers on port(s) $busy; starting nothing (stop it, or choose other ports with REDIS_CLUSTER_BASE_PORT)"
  fi
  mkdir -p "$DATA_DIR"
  if use_docker; then
    local port
    for port in "${PORTS[@]}"; do mkdir -p "$DATA_DIR/$port"; done
    # The one-shot service redis-cluster-init creates the cluster on first start.
    compose up -d
    wait_for "$START_TIMEOUT" cluster_ok || die "the cluster did not reach cluster_state:ok within $START_TIMEOUT s; see: ${COMPOSE[*]} -f $COMPOSE_FILE logs"
    say "started the Redis Cluster with docker compose on 127.0.0.1 ports ${PORTS[*]}: cluster_state ok, AOF on"
  else
    start_local
  fi
  say "data in $DATA_DIR/<port> (nodes.conf, appendonlydir/)"
  say "use it: REDIS_DEFAULT_CLUSTER_ADDRS=$ADDRS (or redis.default.cluster.addrs in config/{env}/cacheserver.yaml)"
}

stop() {
  local pids
  pids="$(local_pids)"
  if [ -n "$pids" ]; then
    stop_local_nodes
    say "stopped the local Redis Cluster (redis-server pids $pids; SIGTERM, AOF flushed); data kept in $DATA_DIR"
  elif compose_running; then
    compose down
    say "stopped the docker compose Redis Cluster; data kept in $DATA_DIR"
  elif [ -n "$(busy_ports)" ]; then
    die "port(s) $(busy_ports) answer, but not with nodes this script started (no live pidfile under $DATA_DIR, no compose container); not stopping them"
  else
    say "not running on ports ${PORTS[*]}; nothing to stop"
  fi
}

status() {
  local port answering=() state pids
  for port in "${PORTS[@]}"; do
    if redis_ping 127.0.0.1 "$port"; then answering+=("$port"); fi
  done
  pids="$(local_pids)"
  if [ "${#answering[@]}" -eq 0 ]; then
    if [ -n "$pids" ]; then
      say "not answering PING: local redis-server pids $pids are up but not ready; see $DATA_DIR/<port>/redis-server.log"
    else
      say "not running on ports ${PORTS[*]}"
    fi
    exit 3
  fi
  state="$(cluster_field "${answering[0]}" cluster_state)"
  local how="not started by this script"
  if [ -n "$pids" ]; then how="local redis-server pids $pids"; elif compose_running; then how="docker compose"; fi
  if [ "${#answering[@]}" -ne "${#PORTS[@]}" ] || [ "$state" != ok ]; then
    say "partly running: ${#answering[@]} of ${#PORTS[@]} nodes answer (${answering[*]+"${answering[*]}"}), cluster_state=${state:-unknown} ($how)"
    exit 1
  fi
  say "running: ${#PORTS[@]} nodes on 127.0.0.1 ports ${PORTS[*]}, cluster_state=ok ($how), data in $DATA_DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
