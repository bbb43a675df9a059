#!/usr/bin/env bash
# Static checks of the Ansible deployment, offline (no Galaxy, no network):
#   1. ansible-playbook --syntax-check of site.yml with the example inventory
#   2. ansible-lint with the production profile (deploy/ansible/.ansible-lint)
#   3. yamllint in strict mode (.yamllint at the repository root) on the
#      Ansible files and the compose files of deploy/docker
# Zero findings pass; any finding fails. Prints one summary line.
#   bash deploy/ci/ansible-lint.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
started=$SECONDS
cd "$root/deploy/ansible"

fail() { echo "ansible-lint: FAILED: $*" >&2; exit 1; }

ANSIBLE_FORCE_COLOR=0 ansible-playbook --syntax-check -i inventories/example/hosts.yml site.yml \
  >/dev/null || fail "syntax check of site.yml"
# ansible-lint reads .ansible-lint here (profile production, offline) and
# runs yamllint itself too, with the repository's .yamllint.
YAMLLINT_CONFIG_FILE="$root/.yamllint" ansible-lint --nocolor -q ||
  fail "ansible-lint found problems (above)"
(cd "$root" && yamllint -s deploy/ansible deploy/docker/*.yaml) || fail "yamllint found problems (above)"

echo "ansible-lint: ok: syntax check, ansible-lint (production profile), yamllint -s, $((SECONDS - started)) s"
