#!/usr/bin/env bash
# Makes the Debian 12 base image localhost/cpe-debian:12 where no registry can
# be reached: debootstrap (minbase) from the configured Debian mirror, the
# same suites as debian:12-slim (updates and security included), then
# `podman import`. Kept when it exists unless --force is given. About a
# minute. Operators with a registry use debian:12-slim instead
# (CPE_BASE_IMAGE=debian:12-slim).
#   bash deploy/containers/base-image.sh [--force]
set -euo pipefail
source "$(dirname "$0")/env.sh"

image=localhost/cpe-debian:12
if [[ "${1:-}" != --force ]] && podman image exists "$image"; then
  echo "base-image: $image exists"
  exit 0
fi
mirror="${CPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rootfs="$(mktemp -d /var/tmp/cpe-rootfs-XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT

echo "base-image: debootstrap bookworm from $mirror"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${CPE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main
SOURCES
# What debian:12-slim leaves out too: downloaded packages, lists, docs.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "base-image: $image ready"
