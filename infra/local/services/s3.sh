# S3: SeaweedFS (`weed server`: master + volume + filer + S3 gateway), built once from the pinned Go module into
# <cache>/bin. Data under <state>/s3.
WEED_MODULE="github.com/seaweedfs/seaweedfs"
WEED_VERSION="v0.0.0-20261109003541-7506e5f91cd6"
WEED_BIN="$MIC_CACHE_DIR/bin/weed"

# Builds weed unless the cached binary carries the pinned version stamp. `go install mod@ver` refuses this module
# (its go.mod has replace directives), so the module source is downloaded and built in place.
ensure_weed() {
  if [ -x "$WEED_BIN" ] && [ "$(cat "$WEED_BIN.version" 2>/dev/null)" = "$WEED_VERSION" ]; then
    return 0
  fi
  command -v go >/dev/null || die "s3: Go is needed once to build SeaweedFS $WEED_VERSION (install Go >= 1.26)"
  say "s3: building SeaweedFS $WEED_VERSION (once; several minutes on a small machine)"
  local dir
  dir="$(go mod download -json "$WEED_MODULE@$WEED_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
  [ -d "$dir" ] || die "s3: go mod download of $WEED_MODULE@$WEED_VERSION failed"
  mkdir -p "$(dirname "$WEED_BIN")"
  (cd "$dir" && GOFLAGS=-mod=mod go build -o "$WEED_BIN.tmp" ./weed) >>"$LOG_DIR/s3-build.log" 2>&1 ||
    die "s3: building weed failed: $(tail -n 20 "$LOG_DIR/s3-build.log")"
  mv "$WEED_BIN.tmp" "$WEED_BIN"
  echo "$WEED_VERSION" >"$WEED_BIN.version"
}

start_s3() {
  if live_pid s3 "$WEED_BIN" >/dev/null; then
    say "s3: already running"
    return 0
  fi
  ensure_weed
  local port
  # weed also listens for gRPC on each port + 10000.
  for port in "$MIC_S3_PORT" "$MIC_S3_MASTER_PORT" "$MIC_S3_VOLUME_PORT" "$MIC_S3_FILER_PORT"; do
    require_free_port s3 "$port"
    require_free_port s3 "$((port + 10000))"
  done
  local dir="$MIC_STATE_DIR/s3"
  mkdir -p "$dir/data"
  render "$INFRA_DIR/local/s3.json" "$dir/s3.json"
  # Telemetry, Iceberg and Lance listeners are off: nothing leaves the machine, no extra ports.
  (cd "$dir" && start_bg s3 "$WEED_BIN" server -dir="$dir/data" \
    -ip="$MIC_S3_HOST" -ip.bind="$MIC_S3_HOST" \
    -master.port="$MIC_S3_MASTER_PORT" -master.volumeSizeLimitMB=1024 -master.telemetry=false \
    -volume.port="$MIC_S3_VOLUME_PORT" -volume.max=16 \
    -filer -filer.port="$MIC_S3_FILER_PORT" -filer.localSocket="$MIC_STATE_DIR/run/weed-filer.sock" \
    -s3 -s3.port="$MIC_S3_PORT" -s3.config="$dir/s3.json" -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.localSocket="$MIC_STATE_DIR/run/weed-s3.sock")
  say "s3: started on $MIC_S3_HOST:$MIC_S3_PORT"
}

stop_s3() { stop_bg s3 "$WEED_BIN" 30; }
