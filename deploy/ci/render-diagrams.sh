#!/usr/bin/env bash
# Renders every docs/diagrams/*.puml to an SVG next to it, with Debian's
# plantuml (1.2020; component diagrams also need graphviz's dot):
#   apt-get install -y --no-install-recommends plantuml graphviz
# The SVGs are committed, so README.md can show them: after editing a .puml,
# run this and commit both files.
#   bash deploy/ci/render-diagrams.sh           render in place
#   bash deploy/ci/render-diagrams.sh --check   CI: render into a temporary folder,
#                                               then also check the committed SVGs
# Fails (exit 1, naming the file) when a source does not parse, when an SVG
# shows PlantUML's error image instead of the diagram (PlantUML exits 0 when,
# for one, dot is missing), and with --check when a committed SVG is missing
# or was rendered from another version of its source. Prints one summary line.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
started=$SECONDS
diagrams="$root/docs/diagrams"
jar="${PLANTUML_JAR:-/usr/share/plantuml/plantuml.jar}"

fail() { echo "render-diagrams: FAILED: $*" >&2; exit 1; }

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

[[ -f "$jar" ]] || fail "no $jar: apt-get install -y --no-install-recommends plantuml graphviz"
command -v java >/dev/null || fail "no java (plantuml depends on default-jre-headless)"
command -v dot >/dev/null || fail "no dot: apt-get install -y --no-install-recommends graphviz"
shopt -s nullglob
sources=("$diagrams"/*.puml)
((${#sources[@]} > 0)) || fail "no docs/diagrams/*.puml"

out="$diagrams"
if $check; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi

# The jar, not Debian's launcher: java.awt.headless must be set on the JVM,
# and the launcher sets it only when DISPLAY is unset. -failfast2 checks the
# syntax of every source first and exits non-zero, writing nothing, if one
# is broken; -o takes an absolute folder.
plantuml() { java -Djava.awt.headless=true -jar "$jar" -charset UTF-8 "$@"; }
if ! log="$(plantuml -tsvg -failfast2 -o "$out" "${sources[@]}" 2>&1)"; then
  echo "$log" >&2
  # Which source, and where: -syntax answers ERROR, the 0-based line, the message.
  for source in "${sources[@]}"; do
    report="$(plantuml -syntax <"$source" 2>/dev/null)" && continue
    line=$(($(sed -n 2p <<<"$report") + 1))
    echo "docs/diagrams/${source##*/}:$line: $(sed -n 3p <<<"$report") $(sed -n "${line}p" "$source")" >&2
  done
  fail "plantuml refused a source (above)"
fi

# What PlantUML draws instead of a diagram: a syntax error, a missing or
# broken dot, a Java exception.
error_text='Syntax Error|contains errors|An error has occured|Cannot find Graphviz|Dot Executable:|Dot executable|java\.[a-z]+\.[A-Za-z]*(Exception|Error)|at net\.sourceforge\.plantuml'

# The source an SVG was rendered from, as PlantUML keeps it in a comment at
# its end: without the source's own comment lines ('), lines ending in CR,
# and "--" written "- -".
source_lines() {
  tr -d '\r' | sed -n '/^@startuml/,/^@enduml/p' | grep -v "^[[:space:]]*'" |
    sed -e ':a' -e 's/- -/--/;ta'
}

for source in "${sources[@]}"; do
  name="$(basename "$source" .puml)"
  svg="$out/$name.svg"
  [[ -s "$svg" ]] || fail "$name.puml: no $name.svg written (is the @startuml name the file's?)"
  if grep -qE "$error_text" "$svg"; then
    grep -oE "$error_text" "$svg" | sort -u >&2
    fail "$name.svg shows PlantUML's error image, not the diagram"
  fi
  if $check; then
    committed="$diagrams/$name.svg"
    [[ -f "$committed" ]] || fail "docs/diagrams/$name.svg is missing: run $0 and commit it"
    ! grep -qE "$error_text" "$committed" ||
      fail "docs/diagrams/$name.svg shows PlantUML's error image: run $0 and commit it"
    if ! diff -q <(source_lines <"$committed") <(source_lines <"$source") >/dev/null; then
      fail "docs/diagrams/$name.svg was rendered from another $name.puml: run $0 and commit it"
    fi
  fi
done

names="$(for source in "${sources[@]}"; do basename "$source" .puml; done | paste -sd' ')"
if $check; then
  echo "render-diagrams: ok: ${#sources[@]} diagrams render ($names), committed SVGs current, $((SECONDS - started)) s"
else
  echo "render-diagrams: ok: docs/diagrams/{$names}.svg written, $((SECONDS - started)) s"
fi
