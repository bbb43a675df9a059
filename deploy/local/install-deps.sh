#!/usr/bin/env bash
# Installs everything cpe-provisioning needs to build, run and test on a
# fresh Debian 12 machine, from Debian's own packages. Safe to run again:
# packages already present are skipped without touching the network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git openssl curl ca-certificates
  clang libclang-rt-14-dev                   # fuzzing and the thread-safety analysis
  clang-tidy cppcheck                        # static analysis (deploy/ci/clang-tidy.sh, cppcheck.sh)
  libpoco-dev libssl-dev                     # Net, NetSSL, JSON, Util, Foundation
  prometheus-cpp-dev                         # metrics: registry, histograms, text format
  libgtest-dev libgmock-dev
  librabbitmq-dev libqpid-proton-cpp12-dev   # AMQP 0-9-1 and AMQP 1.0
  libsqlite3-dev libpq-dev
  rabbitmq-server amqp-tools postgresql
  iptables                                   # the PostgreSQL partition test cuts its own connections
  wrk                                        # load for the benchmark suite (tests/bench/run.sh)
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Package scripts must not start servers here (no init system in containers);
# our scripts start what they need.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
