#!/usr/bin/env bash
# Self-supervised start for the unet (training/unet/pretrain.py) on the unlabelled CT of the shared data: the RICORD
# chest CT, the three LIDC slabs and the NY-SBU axial slices, converted to NIfTI by mic itself.
# Usage (repository root, after `npx tsc -b`): bash training/unet/pretrain.sh [data dir] [out .pt]
# None of the labelled slices is used, so fold models may start from it without seeing their held-out slices.
set -euo pipefail
data=${1:-../shared/data}
out=${2:-$HOME/.cache/mic/unet-pretrain/start.pt}
py=${PYTHON:-$HOME/.cache/mic/train-venv/bin/python}
work=$(dirname "$out")/nifti
mkdir -p "$work"
vols=()
convert() {
  [ -s "$work/$1.nii.gz" ] || npx mic dicom to-nifti "$2" "$work/$1.nii.gz" >/dev/null
  vols+=("$work/$1.nii.gz")
}
convert ricord "$data/ricord-1a-419639-000082/dicom"
for p in "$data"/lidc-partial/LIDC-IDRI-*/; do convert "lidc-$(basename "$p")" "$p"; done
for f in "$data"/covid-ny-sbu-slices/*/axial/*.dcm; do
  convert "sbu-$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f" .dcm)" "$f"
done
cd training/unet
nice -n 10 "$py" pretrain.py --nifti "${vols[@]}" --out "$out" --epochs "${PRETRAIN_EPOCHS:-40}" --step 1 \
  --threads "$(nproc)" >"${out%.pt}.log" 2>&1
tail -n 1 "${out%.pt}.log"
