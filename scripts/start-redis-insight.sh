#!/usr/bin/env bash
# Starts, stops or reports Redis Insight for the job-queue Redis (D2, D3).
#   scripts/start-redis-insight.sh start|stop|status   (npm run redis-insight:start|stop|status)
# Reads redis.jobqueue.addr (and username, password, db, tls) from
# config/{APP_ENV}/cacheserver.yaml with the project's YAML loader
# (scripts/redis-insight-target.ts), then runs docker-compose.redis-insight.yml
# with a preconfigured connection:
#   - localhost/127.0.0.1: Redis runs here in docker-compose.redis.yml; Insight
#     joins the dm-jobqueue network and connects to redis-jobqueue:6379;
#   - any other host: Redis is on another server; Insight connects to host:port.
# Redis Insight runs only in Docker here. Without a Docker engine this script
# starts nothing: it prints the address and how to connect the desktop app.
# Environment:
#   APP_ENV                 develop (default) | staging | production | test
#   CONFIG_DIR              configuration folder (default config/ under the project)
#   REDIS_JOBQUEUE_ADDR, REDIS_JOBQUEUE_USERNAME, REDIS_JOBQUEUE_PASSWORD
#                           override the YAML, as for the API and the worker
#   REDIS_INSIGHT_PORT      host port (default 8001)
#   REDIS_INSIGHT_BIND      host address to listen on (default 127.0.0.1; never a public one)
#   REDIS_INSIGHT_DATA_DIR  Insight's state (default redis/insight under the project)
#   RI_ENCRYPTION_KEY       passed to Insight to encrypt the passwords it stores
#   REDIS_START_MODE        auto (default) | docker | local (local = no Docker: instructions only)
# Exit status: 0 done / running; 1 failed or no Docker engine; 2 usage; 3 (status) not running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/redis-common.sh
. "$ROOT/scripts/lib/redis-common.sh"

LOG_PREFIX=redis-insight
START_MODE="${REDIS_START_MODE:-auto}"
PORT="${REDIS_INSIGHT_PORT:-8001}"
BIND="${REDIS_INSIGHT_BIND:-127.0.0.1}"
START_TIMEOUT="${REDIS_START_TIMEOUT_SECONDS:-120}"
COMPOSE_FILE="$ROOT/docker-compose.redis-insight.yml"
NETWORK=dm-jobqueue
REDIS_CONTAINER=dm-jobqueue-redis
[[ "$PORT" =~ ^[0-9]+$ ]] || die "REDIS_INSIGHT_PORT must be a port number (got \"$PORT\")"
DATA_DIR="$(absolute_path "${REDIS_INSIGHT_DATA_DIR:-$ROOT/redis/insight}")"
URL="http://127.0.0.1:$PORT"

compose() {
  REDIS_INSIGHT_PORT="$PORT" REDIS_INSIGHT_BIND="$BIND" REDIS_INSIGHT_DATA_DIR="$DATA_DIR" \
    "${COMPOSE[@]}" -f "$COMPOSE_FILE" "$@"
}
compose_running() { use_docker && [ -n "$(compose ps -q 2>/dev/null)" ]; }
insight_healthy() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
    printf 'GET /api/health/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 5 line <&3 || exit 1
    [[ "$line" == HTTP/1.?' 200'* ]]
  ) 2>/dev/null
}

# read_target: sets MODE, CONFIGURED_ADDR, SOURCE and exports RI_REDIS_* from
# the configuration. Values are read line by line, never evaluated.
read_target() {
  local output line key value
  if [ -n "${CONFIG_DIR:-}" ]; then CONFIG_DIR="$(absolute_path "$CONFIG_DIR")"; export CONFIG_DIR; fi
  output="$(cd "$ROOT" && node --import tsx scripts/redis-insight-target.ts)" \
    || die "could not read the job-queue Redis address (see the message above)"
  NOTES=()
  while IFS= read -r line; do
    key="${line%%=*}"
    value="${line#*=}"
    case "$key" in
      MODE) MODE="$value" ;;
      CONFIGURED_ADDR) CONFIGURED_ADDR="$value" ;;
      SOURCE) SOURCE="$value" ;;
      NOTE) NOTES+=("$value") ;;
      RI_REDIS_HOST | RI_REDIS_PORT | RI_REDIS_ALIAS | RI_REDIS_DB | RI_REDIS_TLS | RI_REDIS_USERNAME | RI_REDIS_PASSWORD)
        export "$key=$value" ;;
      *) die "unexpected line from scripts/redis-insight-target.ts: $key" ;;
    esac
  done <<<"$output"
  say "job-queue Redis: $CONFIGURED_ADDR (from $SOURCE, APP_ENV=${APP_ENV:-develop})"
  local note
  for note in ${NOTES[@]+"${NOTES[@]}"}; do say "note: $note"; done
}

no_docker_instructions() {
  local host="${CONFIGURED_ADDR%:*}" port="${CONFIGURED_ADDR##*:}"
  host="${host#[}"
  host="${host%]}"
  warn "no Docker engine answers here ('docker info' failed, or REDIS_START_MODE=local), so nothing was started."
  warn "Redis Insight runs from docker-compose.redis-insight.yml only. Instead, either:"
  warn "  1. install the Redis Insight desktop app (https://redis.io/insight/) and add a database:"
  warn "       host $host, port $port, database index ${RI_REDIS_DB:-0}, TLS ${RI_REDIS_TLS:-false}${RI_REDIS_USERNAME:+, username $RI_REDIS_USERNAME}${RI_REDIS_PASSWORD:+, password: the value of REDIS_JOBQUEUE_PASSWORD}"
  warn "  2. or run this script on a machine with Docker: it then serves Redis Insight on $URL"
  warn "     with that connection preconfigured (data in $DATA_DIR)."
  exit 1
}

# ensure_network: the external network the compose file joins. Made here only
# when missing (Redis on another server); labelled as compose labels its own,
# so docker-compose.redis.yml can still use it later on this host.
ensure_network() {
  docker network inspect "$NETWORK" >/dev/null 2>&1 && return
  say "creating the docker network $NETWORK"
  docker network create --label com.docker.compose.network="$NETWORK" \
    --label com.docker.compose.project=dm-jobqueue-redis "$NETWORK" >/dev/null
}

start() {
  read_target
  if tcp_answers 127.0.0.1 "$PORT"; then
    say "something already answers on 127.0.0.1:$PORT; starting nothing (open $URL)"
    return
  fi
  use_docker || no_docker_instructions
  mkdir -p "$DATA_DIR"
  if [ "$(stat -c %u "$DATA_DIR" 2>/dev/null || stat -f %u "$DATA_DIR")" != 1000 ] && [ -z "$(find "$DATA_DIR" -maxdepth 0 -perm -o+w)" ]; then
    say "hint: the container runs as uid 1000; if Insight cannot write $DATA_DIR, run: sudo chown -R 1000 $DATA_DIR"
  fi
  ensure_network
  if [ "$MODE" = same-host ] && [ -z "$(docker ps -q --filter "name=^${REDIS_CONTAINER}\$" 2>/dev/null)" ]; then
    warn "the address is on this host, but the $REDIS_CONTAINER container is not running: start it with npm run redis:start;"
    warn "Insight will show the connection as unreachable until then"
  fi
  compose up -d
  wait_for "$START_TIMEOUT" insight_healthy || die "Redis Insight did not answer $URL/api/health/ within $START_TIMEOUT s; see: ${COMPOSE[*]} -f $COMPOSE_FILE logs"
  say "started Redis Insight with docker compose: open $URL"
  say "preconfigured connection \"$RI_REDIS_ALIAS\" -> $RI_REDIS_HOST:$RI_REDIS_PORT ($MODE)"
  say "Insight's data in $DATA_DIR"
}

stop() {
  if compose_running; then
    compose down
    say "stopped Redis Insight; its data kept in $DATA_DIR"
  elif ! use_docker; then
    say "no Docker engine here, so this script never starts Redis Insight; nothing to stop"
  elif tcp_answers 127.0.0.1 "$PORT"; then
    die "something answers on 127.0.0.1:$PORT, but not the compose container of this script; not stopping it"
  else
    say "not running; nothing to stop"
  fi
}

status() {
  if insight_healthy; then
    if compose_running; then
      say "running: docker compose, $URL (health OK), data in $DATA_DIR"
    else
      say "running on $URL (health OK), not started by this script"
    fi
  elif tcp_answers 127.0.0.1 "$PORT"; then
    say "something answers on 127.0.0.1:$PORT but not as a healthy Redis Insight (still starting?)"
    exit 1
  else
    say "not running on 127.0.0.1:$PORT"
    exit 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
