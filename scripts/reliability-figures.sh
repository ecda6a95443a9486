#!/usr/bin/env bash
# Regenerates the figures of docs/RELIABILITY.md: the fuzzing table, from the runs scripts/fuzz.sh recorded in
# docs/reliability/fuzz-runs.tsv and the failing inputs kept in the harnesses' Inputs folders, and the kill-test
# table, from the reports the kill tests write to xpsr-cli/target/reliability/. It first runs the fuzz harnesses
# in regression mode and the kill tests, so that "fixed" means: every kept failing input passes today.
#
#   scripts/reliability-figures.sh            run the tests, then rewrite the tables
#   scripts/reliability-figures.sh --no-tests rewrite the tables from the last reports
set -euo pipefail
cd "$(dirname "$0")/.."
doc=docs/RELIABILITY.md
runs=docs/reliability/fuzz-runs.tsv

if [ "${1:-}" != "--no-tests" ]; then
  mvn -o -B -q test -pl xpsr-core,xpsr-cli,xpsr-server -Dtest='*FuzzTest,*KillTest' -Dsurefire.failIfNoSpecifiedTests=false \
      > /dev/null
fi

# one row per harness method: executions and seconds summed over its runs; findings are the failing inputs kept
fuzz_table() {
  echo "| harness | fuzzing time | executions | findings (inputs kept) | fixed |"
  echo "|---|---:|---:|---:|---:|"
  find xpsr-*/src/test/resources -type d -path '*FuzzTestInputs/*' | sort | while read -r dir; do
    class=$(basename "$(dirname "$dir")"); class=${class%Inputs}
    method=$(basename "$dir")
    findings=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    methods=$(find "$(dirname "$dir")" -mindepth 1 -maxdepth 1 -type d | wc -l)
    awk -F'\t' -v c="$class" -v m="$method" -v f="$findings" -v several="$methods" '
      { split($2, h, "#") }
      h[1] == c && (h[2] == "" || h[2] == m) { s += $3; n += $4 }
      END {
        name = several > 1 ? c "#" m : c
        printf "| `%s` | %d min %02d s | %d | %d | %d |\n", name, s / 60, s % 60, n, f, f
      }' "$runs"
  done
}

kill_table() {
  echo "| command | kills | while running | inside a write | checked after the kills |"
  echo "|---|---:|---:|---:|---|"
  for report in xpsr-cli/target/reliability/*-kills.tsv; do
    # the last line: "# name: N kills, L while running, W inside a write; outcome"
    tail -1 "$report" | sed -E 's/^# ([a-z]+)-kills: ([0-9]+) kills, ([0-9]+) while running, ([0-9]+) inside a write; (.*)$/| `xpsr \1` | \2 | \3 | \4 | \5 |/'
  done
}

replace_between() { # marker, generated text: rewrites the lines between <!-- marker --> and <!-- /marker -->
  local marker=$1 text=$2 tmp
  tmp=$(mktemp)
  awk -v start="<!-- $marker -->" -v end="<!-- /$marker -->" -v text="$text" '
    $0 == start { print; print text; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$doc" > "$tmp"
  mv "$tmp" "$doc"
}

replace_between fuzz-table "$(fuzz_table)"
replace_between kill-table "$(kill_table)"
echo "rewrote the tables of $doc"
