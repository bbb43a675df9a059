# Sourced by the deploy scripts: podman with this project's settings, run as
# root (the CI machine has no Docker engine; Debian's podman stands in).
CONTAINERS_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/containers.conf"
export CONTAINERS_CONF
# The Debian 12 base of every image: debian:12-slim where a registry is
# reachable, else the image base-image.sh makes with debootstrap.
export CPE_BASE_IMAGE="${CPE_BASE_IMAGE:-localhost/cpe-debian:12}"
