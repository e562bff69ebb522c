#!/usr/bin/env bash
# Retrains the shipped mlp slice model and re-measures its 5-fold CV (docs/lesions.md). Deterministic (seed 1).
# Single-threaded Node; run from the repository root after `npx tsc -b`.
set -euo pipefail
cv=$(mktemp --suffix=.json)
data=${1:-../shared/data/infnet-covid-semiseg/TrainingSet/MultiClassInfection-Train}
nice -n 10 npx mic eval-slices --images "$data/Imgs" --labels "$data/GT" --method mlp --cv 5 --json >"$cv"
nice -n 10 npx mic train-slices --images "$data/Imgs" --labels "$data/GT" --out libs/analysis/models/slice-mlp.json
echo "CV (held-out): $(node -e 'const r=require(process.argv[1]);console.log(JSON.stringify(r.mean))' "$cv")"
