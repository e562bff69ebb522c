# Keycloak: the identity provider (realm infra/keycloak/realm.json). The distribution is downloaded from Maven
# Central and built once (`kc.sh build`) under <cache>/keycloak; its database (H2 file) lives in <state>/keycloak.
KC_VERSION="$MIC_KEYCLOAK_VERSION"
KC_CACHE="$MIC_CACHE_DIR/keycloak"
KC_HOME="$KC_CACHE/keycloak-$KC_VERSION"
KC_ZIP="$KC_CACHE/keycloak-quarkus-dist-$KC_VERSION.zip"
KC_URL="https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/$KC_VERSION/keycloak-quarkus-dist-$KC_VERSION.zip"
# Build-time options: changing them triggers a rebuild.
KC_BUILD_OPTS=(--db=dev-file --health-enabled=true)

java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }

# Keycloak 26 needs Java >= 21: JAVA_HOME if it qualifies, else the newest JDK under /usr/lib/jvm.
find_java() {
  local best="" best_v=0 d v
  for d in ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -x "$d/bin/java" ] || continue
    v="$(java_major "$d")"
    [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ] && best="$d" best_v="$v"
  done
  [ -n "$best" ] || die "keycloak: Keycloak $KC_VERSION needs Java >= 21, none found in JAVA_HOME or /usr/lib/jvm (install a JDK 21+ and set JAVA_HOME)"
  echo "$best"
}

ensure_keycloak() {
  if [ ! -x "$KC_HOME/bin/kc.sh" ]; then
    mkdir -p "$KC_CACHE"
    if [ ! -s "$KC_ZIP" ]; then
      say "keycloak: downloading $KC_VERSION"
      curl -fsSL --retry 3 -o "$KC_ZIP.part" "$KC_URL" || die "keycloak: download failed: $KC_URL"
      mv "$KC_ZIP.part" "$KC_ZIP"
    fi
    rm -rf "$KC_CACHE/unpack"
    unzip -q "$KC_ZIP" -d "$KC_CACHE/unpack" || die "keycloak: cannot unpack $KC_ZIP"
    mv "$KC_CACHE/unpack/keycloak-$KC_VERSION" "$KC_HOME"
    rm -rf "$KC_CACHE/unpack"
  fi
  local want
  want="${KC_BUILD_OPTS[*]}"
  if [ "$(cat "$KC_HOME/.mic-build" 2>/dev/null)" != "$want" ]; then
    say "keycloak: optimising the server build (once)"
    "$KC_HOME/bin/kc.sh" build "${KC_BUILD_OPTS[@]}" >>"$LOG_DIR/keycloak-build.log" 2>&1 ||
      die "keycloak: kc.sh build failed: $(tail -n 20 "$LOG_DIR/keycloak-build.log")"
    echo "$want" >"$KC_HOME/.mic-build"
  fi
}

start_keycloak() {
  if live_pid keycloak keycloak >/dev/null; then
    say "keycloak: already running"
    return 0
  fi
  JAVA_HOME="$(find_java)" || exit 1
  export JAVA_HOME
  ensure_keycloak
  require_free_port keycloak "$MIC_KEYCLOAK_PORT"
  require_free_port keycloak "$MIC_KEYCLOAK_MANAGEMENT_PORT"
  local state="$MIC_STATE_DIR/keycloak"
  mkdir -p "$state" "$KC_HOME/data/import"
  # --import-realm reads data/import; an existing realm is kept (reset the state folder to re-import).
  cp "$INFRA_DIR/keycloak/realm.json" "$KC_HOME/data/import/mic-realm.json"
  export KC_BOOTSTRAP_ADMIN_USERNAME="$MIC_KEYCLOAK_ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$MIC_KEYCLOAK_ADMIN_PASSWORD"
  export KC_DB_URL="jdbc:h2:file:$state/h2/keycloakdb;NON_KEYWORDS=VALUE;AUTO_SERVER=TRUE"
  export JAVA_OPTS_KC_HEAP="-Xms64m -Xmx768m"
  local base="http://$MIC_KEYCLOAK_HOST:$MIC_KEYCLOAK_PORT"
  start_bg keycloak "$KC_HOME/bin/kc.sh" start --optimized --import-realm --cache=local \
    --http-enabled=true --http-host="$MIC_KEYCLOAK_HOST" --http-port="$MIC_KEYCLOAK_PORT" \
    --http-management-port="$MIC_KEYCLOAK_MANAGEMENT_PORT" --hostname="$base" --hostname-strict=true
  say "keycloak: starting on $base (java $(java_major "$JAVA_HOME"))"
}

stop_keycloak() { stop_bg keycloak keycloak 30; }
