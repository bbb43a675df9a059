#!/usr/bin/env bash
# Builds the images of the compose stack: localhost/cpe (cpe-host, the
# plugins, cpe-stub-a), localhost/cpe-rabbitmq and localhost/cpe-postgres,
# tagged with the project's version, on $CPE_BASE_IMAGE (base-image.sh makes
# the default one without a registry).
#   bash deploy/containers/build-images.sh [--debs DIR]
# --debs DIR: install the .debs in DIR (cpack's output) instead of compiling
# in the image (the Containerfile's runtime-debs target), as CI does.
set -euo pipefail
source "$(dirname "$0")/env.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(sed -n 's/^project(cpe_provisioning VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")"

debs=""
if [[ "${1:-}" == --debs ]]; then debs="$(cd "$2" && pwd)"; fi

[[ "$CPE_BASE_IMAGE" == localhost/cpe-debian:12 ]] && bash "$root/deploy/containers/base-image.sh"

build() {  # image, Containerfile, extra args...
  local image="$1" file="$2"
  shift 2
  local started=$SECONDS
  # The host's network: package downloads need its DNS resolver.
  podman build --network=host --format docker --build-arg "BASE_IMAGE=$CPE_BASE_IMAGE" \
    -f "$root/$file" -t "$image:$version" "$@" "$root" >/dev/null
  echo "build-images: $image:$version in $((SECONDS - started)) s"
}

if [[ -n "$debs" ]]; then
  rm -f "$root"/deploy/docker/debs/*.deb
  cp "$debs"/cpe-*.deb "$root/deploy/docker/debs/"
  build localhost/cpe deploy/docker/Containerfile --target runtime-debs
  rm -f "$root"/deploy/docker/debs/*.deb
else
  build localhost/cpe deploy/docker/Containerfile --target runtime
fi
build localhost/cpe-rabbitmq deploy/docker/rabbitmq/Containerfile
build localhost/cpe-postgres deploy/docker/postgres/Containerfile
