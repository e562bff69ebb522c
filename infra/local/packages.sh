#!/usr/bin/env bash
# Installs the Debian packages the local stack and the tests use, only when one is missing.
set -euo pipefail

PACKAGES=(redis-server postgresql orthanc orthanc-dicomweb dcmtk dicom3tools acl unzip curl perl)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "[stack] error: missing packages: ${missing[*]}; install them (as root: apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "[stack] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian would start its own system-wide instances on install; we run our own on other ports instead.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
