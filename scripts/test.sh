#!/usr/bin/env bash
# The whole test suite. On a fresh Debian-like machine (as root) it sets itself up: system packages, npm ci + build,
# every executable scripts/setup.d/*.sh, the local stack (`npx mic stack up`); then unit tests, integration tests, a
# type check of the tests (Jest runs them untyped; tsconfig.test.json) and lint. The stack is stopped at the end, on
# failure too. Exit code non-zero when any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

started=$SECONDS
failed=()
logs="$(mktemp -d)"
stack_started=0

step() {
  local name="$1" t=$SECONDS
  shift
  echo "== $name"
  if "$@"; then
    echo "== $name: ok ($((SECONDS - t))s)"
  else
    echo "== $name: FAILED ($((SECONDS - t))s)"
    failed+=("$name")
    return 1
  fi
}

stack_down() {
  [ "$stack_started" = 1 ] || return 0
  stack_started=0
  step "stack down" npx mic stack down || true
}
trap stack_down EXIT
trap 'exit 130' INT TERM

jest() {
  local project="$1"
  shift
  node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects "$project" "$@" 2>&1 |
    tee "$logs/$project.log"
}

# Jest's closing "Tests:" line of a run, or a note that it has none (it crashed before counting).
jest_summary() { grep -E '^Tests:' "$logs/$1.log" | tail -n 1 || echo "Tests: no summary ($1 run did not finish)"; }

step "system packages" bash infra/local/packages.sh
step "npm ci + build" ensure_node_deps || exit 1
for hook in scripts/setup.d/*.sh; do
  [ -x "$hook" ] && step "setup: $hook" "$hook"
done
stack_started=1
step "stack up" npx mic stack up
step "unit tests" jest unit
step "integration tests" jest integration --runInBand
step "typecheck tests" npx tsc -p tsconfig.test.json
step "lint" npx eslint .
step "format" npx prettier --check .
stack_down

echo
echo "== summary ($((SECONDS - started))s)"
for project in unit integration; do echo "$project $(jest_summary "$project")"; done
passed=$(cat "$logs"/*.log | grep -E '^Tests:' | grep -oE '[0-9]+ passed' | awk '{s += $1} END {print s + 0}')
failures=$(cat "$logs"/*.log | grep -E '^Tests:' | grep -oE '[0-9]+ failed' | awk '{s += $1} END {print s + 0}')
rm -rf "$logs"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed steps: ${failed[*]}"
  echo "tests: $passed passed, $failures failed"
  exit 1
fi
echo "tests: $passed passed, $failures failed"
