#!/usr/bin/env bash
# Installs what the deployment checks need besides deploy/local/install-deps.sh,
# from Debian's packages: podman (with runc, netavark and aardvark-dns for
# name resolution between compose services, slirp4netns for a test node's
# own network), buildah, podman-compose, debootstrap for the base image,
# Ansible with its linters, yamllint, docker-compose (only to validate
# compose files), npm for dockerfilelint, promtool (package prometheus) for
# the alert rules' tests, and plantuml with graphviz for docs/diagrams. Safe
# to run again.
set -euo pipefail

packages=(
  podman buildah runc netavark aardvark-dns slirp4netns uidmap podman-compose debootstrap
  ansible ansible-lint yamllint docker-compose dpkg-dev file npm prometheus plantuml graphviz
)
missing=()
for package in "${packages[@]}"; do
  # npm may come with the machine's own Node.js instead of Debian's.
  [[ "$package" == npm ]] && command -v npm >/dev/null && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0
echo "deploy install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Only promtool is wanted: where systemd runs, the package also starts a
# Prometheus server listening on every interface.
if [[ " ${missing[*]} " == *" prometheus "* ]] && [[ -d /run/systemd/system ]]; then
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
