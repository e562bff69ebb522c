#!/usr/bin/env bash
# Re-measures the 5-fold CV of a supervised slice method and retrains its shipped model (docs/lesions.md).
# Usage: bash training/slice-model.sh <mlp|context> [labelled folder]. Deterministic (seed 1), single-threaded
# Node; run from the repository root after `npx tsc -b`.
set -euo pipefail
method=${1:?usage: slice-model.sh <mlp|context> [data]}
data=${2:-../shared/data/infnet-covid-semiseg/TrainingSet/MultiClassInfection-Train}
cv=$(mktemp --suffix=.json)
nice -n 10 npx mic eval-slices --images "$data/Imgs" --labels "$data/GT" --method "$method" --cv 5 --json >"$cv"
nice -n 10 npx mic train-slices --method "$method" --images "$data/Imgs" --labels "$data/GT" \
  --out "libs/analysis/models/slice-$method.json"
echo "CV (held-out): $(node -e 'const r=require(process.argv[1]);console.log(JSON.stringify(r.mean))' "$cv")"
