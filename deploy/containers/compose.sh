# Sourced by the deploy scripts: compose() runs Docker Compose or, without a
# Docker engine, podman-compose, on the stack in deploy/docker with the
# project name cpe; files() lists the compose files for a store.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
CPE_COMPOSE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../docker" && pwd)"

compose() {
  if docker info >/dev/null 2>&1; then
    (cd "$CPE_COMPOSE_DIR" && docker compose -p cpe "$@")
  else
    (cd "$CPE_COMPOSE_DIR" && podman-compose -p cpe "$@")
  fi
}

engine() {
  if docker info >/dev/null 2>&1; then docker "$@"; else podman "$@"; fi
}

# compose.yaml, plus the second API host with PostgreSQL.
compose_files() {
  local store="$1"
  echo "-f compose.yaml"
  [[ "$store" == postgres ]] && echo "-f compose.api2.yaml"
  return 0
}

# The name compose gives a service's (first) container.
container_of() {
  if docker info >/dev/null 2>&1; then echo "cpe-$1-1"; else echo "cpe_$1_1"; fi
}
