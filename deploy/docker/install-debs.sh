#!/bin/sh
# Installs the cpe-provisioning packages found in DIR (all but the SDK) with
# their Debian dependencies, plus curl for the health check, then removes
# what only the installation needed. Runs inside an image build.
#   install-debs DIR
set -eu
dir="$1"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl \
  $(find "$dir" -name 'cpe-*.deb' ! -name 'cpe-sdk_*' | sort) >/dev/null
rm -rf "$dir" /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
# The packages' examples, for operators: /etc/cpe/examples/.
test -x /usr/bin/cpe-host && test -x /usr/bin/cpe-stub-a
