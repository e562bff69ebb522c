#!/usr/bin/env bash
# Full `mic analyze` of the 255-slice RICORD chest CT: wall time, per-stage times (report.json) and peak memory.
# Run from the repository root after `npx tsc -b`. Pin to 2 cores with taskset when available.
set -euo pipefail
in=${1:-../shared/data/ricord-1a-419639-000082/dicom}
out=$(mktemp -d)
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0,1)
/usr/bin/time -v "${pin[@]}" node bin/mic.js analyze "$in" --out "$out" 2>"$out/time.txt"
grep -E 'Elapsed|Maximum resident' "$out/time.txt"
node -e "console.log(JSON.stringify(JSON.parse(require('fs').readFileSync('$out/report.json','utf8')).timingsMs))"
rm -rf "$out"
