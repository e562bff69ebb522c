#!/usr/bin/env bash
# The unet slice model: 5-fold CV on mic's own folds, then the shipped model from all labelled slices.
# Usage (repository root, after `npx tsc -b`): bash training/unet/cv.sh [labelled folder] [work dir]
# Seeded, but figures move a little between machines; about 35-40 min per seed on 2 CPU cores. EPOCHS (150),
# SLICE_DICE (2: the shipped model's weight of the per-slice Dice terms), IMAGE_DICE (0), WIDTHS (channels per
# level, 16,32,64,128) and INIT (a pretrained start, none) set the training, SEEDS (1) the training seeds (several:
# each in <work>/seed-<s>, the fold models and the shipped model average them), POST_GRID (split) the
# post-processing grid the CV chooses from (docs/lesions.md). Python packages: training/unet/requirements.txt in a virtual environment (default
# ~/.cache/mic/train-venv, PYTHON overrides).
set -euo pipefail
data=${1:-../shared/data/infnet-covid-semiseg/TrainingSet/MultiClassInfection-Train}
work=${2:-$HOME/.cache/mic/unet-cv}
venv=$HOME/.cache/mic/train-venv
py=${PYTHON:-$venv/bin/python}
if [ -z "${PYTHON:-}" ] && [ ! -x "$py" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r training/unet/requirements.txt
fi
epochs=${EPOCHS:-150}
image_dice=${IMAGE_DICE:-0}
slice_dice=${SLICE_DICE:-2}
widths=${WIDTHS:-16,32,64,128}
# INIT: weights every model starts from (training/unet/pretrain.sh), none by default.
init=${INIT:-}
# Two 1-thread trainings side by side use 2 cores better than one 2-thread training (6 s an epoch each vs 3.6 s).
jobs=${JOBS:-2}
threads=$(( $(nproc) / jobs > 0 ? $(nproc) / jobs : 1 ))
seeds=(${SEEDS:-1})
dirs=()
for s in "${seeds[@]}"; do
  d=$work
  [ "${#seeds[@]}" = 1 ] || d=$work/seed-$s
  node training/unet/folds.mjs "$data/Imgs" 5 1 "$d"
  dirs+=("$d")
done
train_one() {
  local seed=$1 d=$2 hold=() out=$2/all.json
  [ "$3" = all ] || { hold=(--holdout "$d/holdout-$3.txt"); out=$d/fold-$3.json; }
  nice -n 10 "$py" training/unet/train.py --images "$data/Imgs" --labels "$data/GT" --epochs "$epochs" \
    --image-dice "$image_dice" --slice-dice "$slice_dice" --widths "$widths" --threads "$threads" --seed "$seed" \
    ${init:+--init "$init"} "${hold[@]}" --out "$out" >"$d/train-$3.log" 2>&1
}
export -f train_one
export py data epochs image_dice slice_dice widths threads init
for i in "${!seeds[@]}"; do for f in 0 1 2 3 4 all; do echo "${seeds[$i]} ${dirs[$i]} $f"; done; done |
  xargs -P "$jobs" -L 1 bash -c 'train_one "$0" "$1" "$2"'
nice -n 10 npx mic eval-slices --images "$data/Imgs" --labels "$data/GT" --method unet --cv 5 \
  --fold-models "${dirs[@]}" --post-grid "${POST_GRID:-split}" --json >"$work/cv.json"
# The shipped model: trained on all slices (one per seed, averaged), with the post-processing the CV chose on all of
# them, and the shipped mlp (also trained on all of them) embedded where that choice blends it in.
node -e 'const fs=require("fs");const read=(f)=>JSON.parse(fs.readFileSync(f,"utf8"));
  const [cv,mlp,out,first,...rest]=process.argv.slice(1);const post=read(cv).shipped;
  const members=rest.map((f)=>read(f).layers);const seeds=[first,...rest].map((f)=>read(f).seed);
  const model={...read(first),...post,...(post.mlpWeight>0?{mlp:read(mlp)}:{}),...(members.length?{members,seeds}:{})};
  fs.writeFileSync(out,JSON.stringify(model)+"\n")' "$work/cv.json" libs/analysis/models/slice-mlp.json \
  libs/analysis/models/slice-unet.json "${dirs[@]/%//all.json}"
echo "CV (held-out): $(node -e 'const r=require(process.argv[1]);console.log(JSON.stringify(r.mean))' "$work/cv.json")"
