#!/usr/bin/env bash
# Times one XPSR denoising step (ControlNet + UNet, CFG batch 2, 64x64 latent, full-size random weights, fp32) with
# this project and with the official code in one run on one machine, interleaved (ours, official, ours), beside the
# machine's GEMM rate, so that the ratio holds even though absolute times move with the machine and its load.
#
#   REFBENCH=<folder of xpsr_step.py> XPSR_SRC=<checkout of the official XPSR code> \
#   REF_PYTHONPATH=<stubs:diffusers/src:huggingface_hub/src:XPSR:einops:BasicSR> scripts/step-vs-official.sh [RUNS [REF_RUNS]]
#
# RUNS timed steps of this project per turn (default 3), REF_RUNS of the official code (default 2), each after one
# untimed warm-up step.
#
# The official side needs Debian's python3-torch and the reference sources at the refs its README names; nothing
# here downloads them. Build this project first (mvn -q package -DskipTests). Output: one line per measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
ref_runs=${2:-2}
: "${REFBENCH:?set REFBENCH to the folder holding xpsr_step.py}"
: "${XPSR_SRC:?set XPSR_SRC to the official XPSR checkout}"
: "${REF_PYTHONPATH:?set REF_PYTHONPATH as the reference README says}"
ours() {
    ./xpsr bench --subject step --latent 64 --runs "$runs" --warmup 1 | grep -E 'timed|median|peak' || true
}
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## GEMM"; ./xpsr bench --subject gemm --runs 3
echo "## this project, first"; ours
echo "## official code"
(cd "$XPSR_SRC" && PYTHONPATH="$REF_PYTHONPATH" HF_HUB_OFFLINE=1 PYTHONDONTWRITEBYTECODE=1 \
    /usr/bin/python3 "$REFBENCH/xpsr_step.py" 2 "$ref_runs")
echo "## this project, second"; ours
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
