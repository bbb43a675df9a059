#!/usr/bin/env bash
# Checks of the Prometheus rules in deploy/prometheus, offline, in seconds:
#   1. promtool check rules on alerts.yml and recording.yml, and check config
#      on the example prometheus.yml (which loads both)
#   2. promtool test rules on tests/*.yml: each alert fires when it should
#      and not otherwise, each recording rule gives the expected series
#   3. every cpe_* series the rules read is one the host serves (its name
#      quoted in host/ or core/ sources; a histogram's _bucket, _sum and
#      _count series by the histogram's name), every runbook a README heading
#   4. yamllint in strict mode (.yamllint at the repository root)
# Needs promtool (Debian package prometheus) and yamllint. Any failure
# fails. Prints one summary line.
#   bash deploy/ci/prometheus-rules.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
started=$SECONDS
cd "$root/deploy/prometheus"

fail() { echo "prometheus-rules: FAILED: $*" >&2; exit 1; }

command -v promtool >/dev/null || fail "no promtool (apt-get install prometheus)"
command -v yamllint >/dev/null || fail "no yamllint (apt-get install yamllint)"

promtool check rules alerts.yml recording.yml || fail "promtool check rules (above)"
promtool check config prometheus.yml || fail "promtool check config (above)"
tests=(tests/*.yml)
promtool test rules "${tests[@]}" || fail "promtool test rules (above)"

# Names the rules read must be names the code registers: a renamed metric
# would leave an alert that can never fire. A histogram registers one name
# and serves three series.
registered() { grep -rqF "\"$1\"" "$root/host/src" "$root/core/src"; }
metrics=0
while read -r name; do
  family="$(sed -E 's/_(bucket|sum|count)$//' <<<"$name")"
  registered "$name" || { [[ "$family" != "$name" ]] && registered "$family"; } ||
    fail "$name is read by a rule but registered nowhere in host/src or core/src"
  metrics=$((metrics + 1))
done < <(grep -ho '\bcpe_[a-z_]*' alerts.yml recording.yml | sort -u)

# GitHub's anchor of a heading: lower case, punctuation dropped, spaces to -.
anchors="$(sed -n 's/^#\{1,6\} \+//p' "$root/README.md" | tr '[:upper:]' '[:lower:]' |
  sed 's/[^a-z0-9 _-]//g; s/ /-/g')"
runbooks=0
while read -r runbook; do
  [[ "$runbook" == README.md#* ]] || fail "runbook $runbook is not a README.md section"
  grep -qxF "${runbook#README.md#}" <<<"$anchors" || fail "runbook $runbook: no such README heading"
  runbooks=$((runbooks + 1))
done < <(sed -n 's/^ *runbook: *//p' alerts.yml | sort -u)

(cd "$root" && yamllint -s deploy/prometheus) || fail "yamllint found problems (above)"

alerts=$(grep -c '^ *- alert:' alerts.yml || true)
records=$(grep -c '^ *- record:' recording.yml || true)
alert_cases=$(cat "${tests[@]}" | grep -c '^ *- eval_time:' || true)
expr_cases=$(cat "${tests[@]}" | grep -c '^ *- expr:' || true)
echo "prometheus-rules: ok: $alerts alerts, $records recording rules, ${#tests[@]} test files" \
  "($alert_cases alert and $expr_cases expression evaluations), $metrics series names in" \
  "the code, $runbooks runbook anchors, $((SECONDS - started)) s"
