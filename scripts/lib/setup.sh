# Shared setup steps for the top-level scripts (sourced, not run).

# npm ci + build, skipped when the lockfile and sources have not changed since the last run.
ensure_node_deps() {
  if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    echo "setup: Node.js >= 20 is required" >&2
    return 1
  fi
  local stamp=node_modules/.mic-ci-stamp
  local want
  want="$(sha256sum package-lock.json | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "== npm ci"
    npm ci --no-audit --no-fund
    echo "$want" >"$stamp"
  fi
  echo "== build"
  npx tsc -b
}
