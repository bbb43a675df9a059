#!/usr/bin/env bash
# The deployment checks of .ci/run (deploy/local/test.sh runs this last):
# builds the Debian packages, lints every deployment file and the OpenAPI
# documents, tests the
# Prometheus rules, checks that the diagrams render, builds the images
# from those packages, runs the compose stack of the default pairing
# (sqlite + rabbitmq) and an Ansible deployment of it into a systemd
# container, each ending with tasks in their terminal states. The rest of
# the pairings run in deploy/ci/extended.sh. As root.
#   bash deploy/ci/quick.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/ci/steps.sh

step "deploy tools" bash deploy/ci/install-deps.sh
step "base image" bash deploy/containers/base-image.sh
step "packages" bash deploy/ci/packages.sh build-release
step "container lint" bash deploy/ci/container-lint.sh
step "ansible lint" bash deploy/ci/ansible-lint.sh
step "prometheus rules" bash deploy/ci/prometheus-rules.sh
step "openapi lint" bash deploy/ci/openapi-lint.sh
step "diagrams" bash deploy/ci/render-diagrams.sh --check
step "images from the packages" bash deploy/containers/build-images.sh --debs build-release/packages
step "compose sqlite+rabbitmq" bash deploy/ci/compose-check.sh sqlite rabbitmq
step "ansible sqlite+rabbitmq" bash deploy/ci/ansible-check.sh sqlite rabbitmq
summary
