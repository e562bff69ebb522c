#!/usr/bin/env bash
# Python tools for cross-checking DICOM output (pydicom, highdicom, numpy) in a venv outside the repository.
# Idempotent: does nothing when the venv already has the packages. Others may append packages to PACKAGES.
set -euo pipefail
venv="${MIC_CACHE_DIR:-$HOME/.cache/mic}/venv"
PACKAGES=(pydicom highdicom numpy)
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import pydicom, highdicom, numpy" 2>/dev/null; then
  exit 0
fi
command -v python3 >/dev/null || { echo "setup: python3 is required for $0" >&2; exit 1; }
echo "== python venv at $venv (${PACKAGES[*]})"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}"
