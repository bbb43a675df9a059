#!/usr/bin/env bash
# The slow deployment checks, beside .ci/run (README "Deploy"): the packages,
# every lint, every image (from the packages and compiled from source in the
# image), the compose stack of all six store x broker pairings (each with a
# worker container SIGKILLed mid-call) and an Ansible deployment of each
# pairing with its idempotence rerun, RabbitMQ memory and disk alarms held
# over a minute under load (deploy/ci/alarms.sh), and a three-node RabbitMQ
# cluster losing the host's node under load (deploy/ci/cluster.sh); and the
# static analysis too slow for .ci/run: clang's thread-safety analysis as a
# whole clang build, clang-tidy over the test cases and clang-tidy's
# bugprone-reserved-identifier. As root;
# about an hour on 2 cores.
#   bash deploy/ci/extended.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/steps.sh

pairings=(sqlite:rabbitmq memory:rabbitmq postgres:rabbitmq sqlite:proton memory:proton
          postgres:proton)
step "deploy tools" bash deploy/ci/install-deps.sh
step "base image" bash deploy/containers/base-image.sh
step "packages" bash deploy/ci/packages.sh build-release
step "container lint" bash deploy/ci/container-lint.sh
step "ansible lint" bash deploy/ci/ansible-lint.sh
step "prometheus rules" bash deploy/ci/prometheus-rules.sh
step "openapi lint" bash deploy/ci/openapi-lint.sh
step "diagrams" bash deploy/ci/render-diagrams.sh --check
step "thread safety, clang build" bash deploy/ci/thread-safety.sh build-thread-safety
step "clang-tidy: the test cases" env CPE_TIDY_PART=test-cases \
  bash deploy/ci/clang-tidy.sh build-lint-test-cases
step "clang-tidy: reserved identifiers" env CPE_TIDY_CHECKS='-*,bugprone-reserved-identifier' \
  bash deploy/ci/clang-tidy.sh build-lint-reserved
step "images compiled in the image" bash deploy/containers/build-images.sh
step "images from the packages" bash deploy/containers/build-images.sh --debs build-release/packages
for pairing in "${pairings[@]}"; do
  step "compose ${pairing/:/+}" bash deploy/ci/compose-check.sh "${pairing%:*}" "${pairing#*:}"
done
for pairing in "${pairings[@]}"; do
  step "ansible ${pairing/:/+}" bash deploy/ci/ansible-check.sh "${pairing%:*}" "${pairing#*:}"
done
step "alarms held 70 s" bash deploy/ci/alarms.sh
step "cluster node stopped, killed" bash deploy/ci/cluster.sh
summary
