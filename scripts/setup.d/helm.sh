#!/usr/bin/env bash
# Helm, for the chart tests (`helm lint`, `helm template`): built once from the pinned Go module into <cache>/bin.
# Idempotent: does nothing when the cached binary carries the pinned version stamp.
set -euo pipefail
HELM_VERSION="v4.3.2"
bin="${MIC_CACHE_DIR:-$HOME/.cache/mic}/bin/helm"
if [ -x "$bin" ] && [ "$(cat "$bin.version" 2>/dev/null)" = "$HELM_VERSION" ]; then
  exit 0
fi
command -v go >/dev/null || { echo "setup: Go is needed once to build Helm $HELM_VERSION" >&2; exit 1; }
echo "== building Helm $HELM_VERSION into $bin (once; a few minutes on a small machine)"
mkdir -p "$(dirname "$bin")"
tmp="$(mktemp -d)"
GOBIN="$tmp" go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
mv "$tmp/helm" "$bin"
rmdir "$tmp"
echo "$HELM_VERSION" >"$bin.version"
