#!/usr/bin/env bash
# The main job on the embedded default: analyse a complete COVID-19 chest CT on this machine, no servers needed.
# Usage: scripts/main.sh [DICOM series dir | .nii.gz] [out dir]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

input="${1:-${MIC_DATA_DIR:-$(cd .. && pwd)/shared/data}/ricord-1a-419639-000082/dicom}"
out="${2:-out/main}"
[ -e "$input" ] || { echo "main: input not found: $input (pass a DICOM series folder or .nii.gz)" >&2; exit 2; }

ensure_node_deps
echo "== analysing $input -> $out"
npx mic analyze "$input" --out "$out"
echo "== report: $out/report.json; pictures: $(ls "$out"/*.png 2>/dev/null | tr '\n' ' ')"
