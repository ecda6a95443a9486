#!/usr/bin/env bash
# Fuzzes one harness with Jazzer's fuzzing mode and appends what the run did to docs/reliability/fuzz-runs.tsv,
# from which scripts/reliability-figures.sh builds the table of docs/RELIABILITY.md.
#
#   scripts/fuzz.sh CLASS[#METHOD] [DURATION]      e.g. scripts/fuzz.sh NpzFuzzTest 10m
#
# Runs niced, with a 2 GB heap (an OutOfMemoryError is a finding, not a crash of the machine). Each harness's
# @Timeout becomes libFuzzer's per-input -timeout; JUnit's own timeout is switched off, since it would time the
# whole fuzzing run as one invocation (Jazzer issue #930). A finding stops the
# run; Jazzer saves the input as crash-*/timeout-* in the harness's Inputs folder, where regression mode
# (plain mvn test) replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
harness=${1:?usage: scripts/fuzz.sh CLASS[#METHOD] [DURATION]}
duration=${2:-10m}
module=${FUZZ_MODULE:-xpsr-core}
record=${FUZZ_RECORD:-docs/reliability/fuzz-runs.tsv}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

start=$(date +%s)
set +e
JAZZER_FUZZ=1 nice -n 15 mvn -o -B test -pl "$module" -am -Dtest="$harness" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.max_duration="$duration" -DargLine="-Xss8m -Xmx2g" -Djunit.jupiter.execution.timeout.mode=disabled 2>&1 | grep -v '^INFO: Instrumented' > "$log"
set -e
wall=$(( $(date +%s) - start ))

# libFuzzer's last status line ("#1234 DONE ..." or the last pulse before a finding) counts the executions;
# its "Done N runs in S second(s)" gives the fuzzing time without Maven's start-up
done_line=$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
runs=$(echo "$done_line" | awk '{print $2}')
runs=${runs:-$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')}
seconds=$(echo "$done_line" | awk '{print $5}')
seconds=${seconds:-$wall}
finding=$(grep -oE '(crash|timeout|oom)-[0-9a-f]{40}' "$log" | tail -1 || true)
result=${finding:-clean}
mkdir -p "$(dirname "$record")"
printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$harness" "$seconds" "${runs:-0}" "$result" \
    >> "$record"
grep -E '^(#[0-9]+ +DONE|==[0-9]+== ERROR|Done [0-9]+ runs)|FuzzTestFinding|Exception|Error' "$log" | head -20 || true
echo "$harness: ${runs:-0} executions in ${seconds} s, $result"
