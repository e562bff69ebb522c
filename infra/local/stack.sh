#!/usr/bin/env bash
# Local stack control: stack.sh up|down [service...]. Called by `npx mic stack`, which exports the config as
# MIC_* variables; health probes and waiting are done by the CLI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
ALL=(redis postgres orthanc s3 keycloak)
for s in "${ALL[@]}"; do source "$here/services/$s.sh"; done

action="${1:-}"
shift || true
services=("$@")
[ "${#services[@]}" -gt 0 ] || services=("${ALL[@]}")
for s in "${services[@]}"; do
  [[ " ${ALL[*]} " == *" $s "* ]] || die "unknown service: $s (one of: ${ALL[*]})"
done

case "$action" in
  up)
    bash "$here/packages.sh"
    for s in "${services[@]}"; do "start_$s"; done
    ;;
  down)
    # In parallel: each server shuts down cleanly on its own (SeaweedFS and Orthanc take several seconds).
    pids=()
    for s in "${services[@]}"; do
      "stop_$s" &
      pids+=($!)
    done
    rc=0
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    exit "$rc"
    ;;
  *) die "usage: stack.sh up|down [service...]" ;;
esac
