#!/usr/bin/env bash
# The main job: start the local stack, send the complete COVID-19 chest CT to Orthanc by C-STORE, follow it through
# ingest and the worker until the SEG and SR are back in Orthanc, then print the study's results and where the
# pictures are (`npx mic demo`). The stack keeps running afterwards (`npx mic stack down` stops it).
# Usage: scripts/main.sh [DICOM series dir] [out dir]
#        scripts/main.sh --embedded [DICOM series dir | .nii.gz] [out dir]   (the analysis alone, no servers)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

embedded=0
if [ "${1:-}" = "--embedded" ]; then
  embedded=1
  shift
fi
input="${1:-${MIC_DATA_DIR:-$(cd .. && pwd)/shared/data}/ricord-1a-419639-000082/dicom}"
[ -e "$input" ] || { echo "main: input not found: $input (pass a DICOM series folder or .nii.gz)" >&2; exit 2; }

if [ "$embedded" = 1 ]; then
  out="${2:-out/main}"
  ensure_node_deps
  echo "== analysing $input -> $out"
  npx mic analyze "$input" --out "$out"
  echo "== report: $out/report.json; pictures: $(ls "$out"/*.png 2>/dev/null | tr '\n' ' ')"
  exit 0
fi

out="${2:-out/demo}"
echo "== system packages"
bash infra/local/packages.sh
ensure_node_deps
npx mic demo --series-dir "$input" --out "$out"
