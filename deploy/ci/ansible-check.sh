#!/usr/bin/env bash
# One real Ansible deployment of a pairing, end to end: starts a fresh
# systemd container (a bare Debian 12 node), maps every inventory group to
# it, runs deploy/ansible/site.yml, runs it again and fails unless that second
# run changes nothing, then posts a task to B inside the node and waits for
# "Completed" (the stub of A answering after 1 s). Removes the node and
# prints one summary line.
#   bash deploy/ci/ansible-check.sh STORE BROKER     (memory|sqlite|postgres, rabbitmq|proton)
# The .debs come from $CPE_PACKAGES_DIR (default: build-release/packages,
# deploy/ci/packages.sh's output); CPE_KEEP_NODE=1 keeps the node (and the
# inventory) for a look.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/containers/env.sh"
store="${1:?usage: ansible-check.sh STORE BROKER}" broker="${2:?usage: ansible-check.sh STORE BROKER}"
case "$store" in memory | sqlite | postgres) ;; *) echo "ansible-check: unknown store '$store'" >&2; exit 2 ;; esac
case "$broker" in rabbitmq | proton) ;; *) echo "ansible-check: unknown broker '$broker'" >&2; exit 2 ;; esac
packages_dir="$(cd "${CPE_PACKAGES_DIR:-$root/build-release/packages}" && pwd)"
version="$(sed -n 's/^project(cpe_provisioning VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")"
image=localhost/cpe-ansible-node:12
pairing="$store+$broker"
started=$SECONDS

for package in cpe-host cpe-stub-a "cpe-broker-$broker"; do
  [[ -f "$packages_dir/${package}_${version}_amd64.deb" ]] ||
    { echo "ansible-check: no ${package}_${version}_amd64.deb in $packages_dir" >&2; exit 2; }
done

# --- The node image ---------------------------------------------------------
if ! podman image exists "$image"; then
  [[ "$CPE_BASE_IMAGE" == localhost/cpe-debian:12 ]] && bash "$root/deploy/containers/base-image.sh"
  # The host's network: apt in the build needs its DNS resolver.
  podman build --network=host --format docker --build-arg "BASE_IMAGE=$CPE_BASE_IMAGE" \
    -f "$root/deploy/ansible/test/Containerfile" -t "$image" "$root/deploy/ansible/test" >/dev/null
fi

# --- A fresh node -----------------------------------------------------------
node="cpe-ansible-${store}-${broker}-$$-$RANDOM"
work="$(mktemp -d /tmp/cpe-ansible-check-XXXXXX)"
cleanup() {
  if [[ "${CPE_KEEP_NODE:-0}" == 1 ]]; then
    echo "ansible-check: kept node $node, inventory and logs in $work" >&2
    return
  fi
  podman rm -f -t 5 "$node" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "ansible-check $pairing: FAILED: $*" >&2
  if podman container exists "$node"; then
    echo "--- journal of the cpe units in $node" >&2
    # No cpe unit yet (an early failure): the node's whole journal instead.
    podman exec "$node" journalctl -u 'cpe-*' --no-pager -n 50 >&2 2>/dev/null ||
      podman exec "$node" journalctl --no-pager -n 50 >&2 2>&1 || true
  fi
  exit 1
}

# slirp4netns: the node has outbound DNS and HTTP (apt) and ports of its own,
# apart from any RabbitMQ or PostgreSQL on this machine's loopback.
podman run -d --name "$node" --hostname cpe-node --systemd=always \
  --network=slirp4netns "$image" >/dev/null || fail "the node did not start"
deadline=$((SECONDS + 60))
until state="$(podman exec "$node" systemctl is-system-running 2>/dev/null)" &&
      [[ "$state" == running || "$state" == degraded ]]; do
  ((SECONDS < deadline)) || fail "systemd in the node never finished booting ($state)"
  sleep 1
done

# --- A throwaway inventory --------------------------------------------------
# Every group is the node. The example's group_vars/all.yml is used as it is
# (so the documented settings are what gets tested), and its vault file is
# made here: random passwords and a development TLS key, encrypted with a
# random vault password. Host variables set the pairing and the test's
# settings.
inventory="$work/inventory"
mkdir -p "$inventory/group_vars" "$inventory/files"
cp "$root/deploy/ansible/inventories/example/group_vars/all.yml" "$inventory/group_vars/all.yml"
bash "$root/config/gen-dev-certs.sh" "$inventory/files/tls" >/dev/null
(
  umask 077
  openssl rand -hex 32 > "$work/vault-password"
  {
    echo "vault_cpe_broker_password: $(openssl rand -hex 24)"
    echo "vault_cpe_database_password: $(openssl rand -hex 24)"
    echo "vault_cpe_tls_private_key: |"
    sed 's/^/  /' "$inventory/files/tls/server.key"
    # A caller as `cpe-host --new-token checker` makes one; the token stays
    # here, for the requests below.
    printf 'cpe_%s' "$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')" > "$work/api-token"
    echo "vault_cpe_credentials_key: $(openssl rand -hex 32)"
    echo "vault_cpe_api_callers:"
    echo "  - name: checker"
    echo "    sha256: $(sha256sum < "$work/api-token" | cut -d' ' -f1)"
    echo "    scopes: [tasks:write, tasks:read]"
  } > "$inventory/vault.yml"
)
rm -f "$inventory/files/tls/server.key" "$inventory/files/tls/ca.key"
ansible-vault encrypt --vault-password-file "$work/vault-password" \
  "$inventory/vault.yml" >/dev/null 2>&1 || fail "ansible-vault encrypt failed"

cat > "$inventory/hosts.yml" <<INVENTORY
all:
  hosts:
    node:
      ansible_connection: containers.podman.podman
      ansible_host: $node
      # root in the node; no sudo there, and su needs no password for root.
      ansible_become_method: ansible.builtin.su
      # The other "hosts" are the node itself: everything over loopback,
      # which the development certificate names.
      cpe_address: 127.0.0.1
      cpe_store: $store
      cpe_broker: $broker
      cpe_packages_dir: $packages_dir
      cpe_version: "$version"
      cpe_stub_a_delay_seconds: 1
      cpe_stub_a_known_devices: [ABC123]
      # Two small thread pools: the node shares 2 cores with everything else.
      cpe_host_worker_threads: 4
  children:
    api: {hosts: {node: {}}}
    worker: {hosts: {node: {}}}
    broker: {hosts: {node: {}}}
    database: {hosts: {node: {}}}
    stub_a: {hosts: {node: {}}}
INVENTORY

# --- Two runs of the playbook -----------------------------------------------
playbook() {  # log file
  (cd "$root/deploy/ansible" &&
   ANSIBLE_FORCE_COLOR=0 ansible-playbook -i "$inventory/hosts.yml" site.yml \
     -e "@$inventory/vault.yml" --vault-password-file "$work/vault-password") > "$1" 2>&1
}
# The node's line of the PLAY RECAP: "node : ok=N changed=N unreachable=N failed=N ..."
recap() { sed -n '/^PLAY RECAP/,$ s/^node[[:space:]]*:[[:space:]]*//p' "$1"; }
count() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<< "$2"; }

first_started=$SECONDS
playbook "$work/run-1.log" || { tail -n 40 "$work/run-1.log" >&2; fail "the first run failed"; }
first_seconds=$((SECONDS - first_started))
playbook "$work/run-2.log" || { tail -n 40 "$work/run-2.log" >&2; fail "the second run failed"; }
second="$(recap "$work/run-2.log")"
second_changed="$(count changed "$second")"
if [[ "$second_changed" != 0 || "$(count failed "$second")" != 0 ]]; then
  grep -E '^(changed|TASK)' "$work/run-2.log" | grep -B1 '^changed' >&2 || true
  fail "the second run is not idempotent: $second"
fi

# --- A task through B, the worker, RabbitMQ and A ---------------------------
# The token reaches curl in the node as a header file on its standard input
# (-H @-), never on a command line.
in_node_curl() {
  printf 'Authorization: Bearer %s\n' "$(cat "$work/api-token")" |
    podman exec -i "$node" curl -sS --cacert /etc/cpe/tls/stub-a-ca.pem -H @- "$@"
}
api=https://127.0.0.1:8444/api/v1/equipment/cpe/ABC123
body='{"timeoutInSeconds":14,"parameters":{"username":"admin","password":"x","interfaces":[1]}}'
refused="$(podman exec "$node" curl -sS --cacert /etc/cpe/tls/stub-a-ca.pem -o /dev/null \
  -w '%{http_code}' -X POST "$api" -H 'Content-Type: application/json' -d "$body")"
[[ "$refused" == 401 ]] || fail "a POST without a token was answered $refused, expected 401"
answer="$(in_node_curl -X POST "$api" -H 'Content-Type: application/json' -d "$body")" ||
  fail "POST to B failed"
task="$(sed -n 's/.*"taskId":"\([^"]*\)".*/\1/p' <<< "$answer")"
[[ -n "$task" ]] || fail "POST to B answered '$answer', no task id"
deadline=$((SECONDS + 60))
while :; do
  answer="$(in_node_curl "$api/task/$task" || true)"
  [[ "$answer" == '{"code":200,"message":"Completed"}' ]] && break
  ((SECONDS < deadline)) || fail "task $task still '$answer' after 60 s"
  sleep 0.5
done

awk -v pairing="$pairing" -v first="$first_seconds" -v task="$task" -v total="$((SECONDS - started))" \
  'BEGIN { printf "ansible-check %s: ok: first run %.1f min, second run changed=0, " \
                  "task %s Completed, %d s\n", pairing, first / 60, task, total }'
