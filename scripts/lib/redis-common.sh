# shellcheck shell=bash
# Helpers shared by scripts/start-redis.sh, start-redis-cluster.sh and
# start-redis-insight.sh. Sourced, never run: it only defines functions.
# The caller sets LOG_PREFIX (for messages) and START_MODE (auto|docker|local).

say() { printf '[%s] %s\n' "$LOG_PREFIX" "$*"; }
warn() { printf '[%s] %s\n' "$LOG_PREFIX" "$*" >&2; }
die() { warn "$*"; exit 1; }

# tcp_answers HOST PORT: something accepts TCP connections there.
tcp_answers() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# redis_reply HOST PORT: prints the first line a server there answers to PING.
# Speaks RESP over bash's /dev/tcp, so it needs no redis-cli (Docker-only
# machines have none).
redis_reply() {
  (
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    printf '%s\n' "${reply%$'\r'}"
  ) 2>/dev/null
}

# redis_ping HOST PORT: a Redis there is up and serving: PONG, or NOAUTH when
# it requires a password or ACL user. One still loading its AOF answers
# -LOADING and does not count.
redis_ping() {
  case "$(redis_reply "$1" "$2" || true)" in
    +PONG | -NOAUTH*) return 0 ;;
    *) return 1 ;;
  esac
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
  [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# live_redis_pid PIDFILE: prints the pid from PIDFILE when that process is
# alive and is a redis-server (a stale pidfile's number may belong to anyone).
live_redis_pid() {
  local pid
  [ -f "$1" ] || return 1
  pid="$(tr -dc '0-9' <"$1")"
  [ -n "$pid" ] && pid_alive "$pid" || return 1
  case "$(ps -o comm= -p "$pid" 2>/dev/null || true)" in
    *redis-server*) printf '%s\n' "$pid" ;;
    *) return 1 ;;
  esac
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

pid_gone() { ! pid_alive "$1"; }

# stop_redis_pid PID SECONDS: SIGTERM (Redis then fsyncs its AOF and exits),
# SIGKILL only if it is still there after SECONDS; returns once it is gone.
stop_redis_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  if ! wait_for "$2" pid_gone "$pid"; then
    warn "redis-server (pid $pid) did not stop within $2 s of SIGTERM; sending SIGKILL (writes of its last second may be lost)"
    kill -KILL "$pid" 2>/dev/null || true
    wait_for 5 pid_gone "$pid" || die "redis-server (pid $pid) survived SIGKILL"
  fi
}

# use_docker: true when docker compose should be used, from START_MODE:
# auto -> when a Docker engine answers and a compose command exists; docker ->
# required; local -> never. Sets the COMPOSE array. Decided once per run.
# shellcheck disable=SC2034 # COMPOSE is used by the sourcing scripts.
use_docker() {
  if [ -z "${DOCKER_DECISION:-}" ]; then
    DOCKER_DECISION=no
    case "$START_MODE" in
      local) ;;
      auto | docker)
        if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
          if docker compose version >/dev/null 2>&1; then
            COMPOSE=(docker compose)
            DOCKER_DECISION=yes
          elif command -v docker-compose >/dev/null 2>&1; then
            COMPOSE=(docker-compose)
            DOCKER_DECISION=yes
          fi
        fi
        if [ "$START_MODE" = docker ] && [ "$DOCKER_DECISION" = no ]; then
          die "REDIS_START_MODE=docker, but no Docker engine with docker compose answers here ('docker info' failed or compose is missing)"
        fi
        ;;
      *) die "REDIS_START_MODE must be auto, docker or local (got \"$START_MODE\")" ;;
    esac
  fi
  [ "$DOCKER_DECISION" = yes ]
}

# absolute_path PATH: PATH made absolute against the current directory
# (redis-server resolves a relative --pidfile against its --dir, compose
# resolves relative bind mounts against the compose file's folder).
absolute_path() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "${1#./}" ;;
  esac
}
