# Sourced by quick.sh and extended.sh: step NAME COMMAND... runs a command,
# prints its duration and last output line as it ends and keeps them; summary
# prints them all again. The first failing step ends the script with its
# output; the lines already printed keep the figures of the steps that passed.
steps_started=$SECONDS
step_lines=()

step() {
  local name="$1" started=$SECONDS output
  shift
  echo "== $name"
  if ! output="$("$@" 2>&1)"; then
    echo "$output"
    echo "== $name FAILED after $((SECONDS - started)) s"
    exit 1
  fi
  step_lines+=("$(printf '%-34s %5d s  %s' "$name" $((SECONDS - started)) "$(tail -n1 <<<"$output")")")
  echo "== ${step_lines[-1]}"
}

summary() {
  echo "== deployment checks, $(((SECONDS - steps_started + 30) / 60)) min in all"
  printf '%s\n' "${step_lines[@]}"
}
