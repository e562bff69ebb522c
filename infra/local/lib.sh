# Shared shell functions for the local stack scripts (sourced, not run).
# Every setting comes from the environment, as exported by `mic stack` from @mic/config (MIC_<SECTION>_<KEY>).

: "${MIC_STATE_DIR:?MIC_STATE_DIR is not set (run through: npx mic stack up)}"
: "${MIC_CACHE_DIR:?MIC_CACHE_DIR is not set (run through: npx mic stack up)}"

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$MIC_STATE_DIR/run"
LOG_DIR="$MIC_STATE_DIR/logs"
mkdir -p "$RUN_DIR" "$LOG_DIR" "$MIC_CACHE_DIR"

say() { printf '[stack] %s\n' "$*"; }
die() {
  printf '[stack] error: %s\n' "$*" >&2
  exit 1
}

# pid of a service we started, if that process is still alive and still runs the expected program.
live_pid() {
  local name="$1" pattern="$2" pid
  [ -f "$RUN_DIR/$name.pid" ] || return 1
  pid="$(cat "$RUN_DIR/$name.pid")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  # The pid could have been reused by another program after a reboot or crash.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pattern" || return 1
  echo "$pid"
}

# Starts a long-running program in its own session, output appended to logs/<name>.log.
start_bg() {
  local name="$1"
  shift
  printf '\n=== %s start %s\n' "$name" "$(date -Is)" >>"$LOG_DIR/$name.log"
  setsid nohup "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

# Stops a program started by start_bg: TERM to its whole process group, KILL after a grace period.
stop_bg() {
  local name="$1" pattern="$2" grace="${3:-20}" pid i
  if ! pid="$(live_pid "$name" "$pattern")"; then
    rm -f "$RUN_DIR/$name.pid"
    say "$name: not running"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name: did not stop in ${grace}s, killing"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/$name.pid"
  say "$name: stopped"
}

# Fails when a TCP port is already taken by someone else (a clear message beats a crash loop).
require_free_port() {
  local name="$1" port="$2"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "$name: port $port is already in use by another program (change it in the mic config)"
  fi
}

# Renders a template: ${VAR} becomes the environment variable, escaped for a double-quoted string (JSON, redis.conf);
# an unset variable is an error.
render() {
  local src="$1" dest="$2"
  perl -pe 's/\$\{(\w+)\}/exists $ENV{$1} ? ($ENV{$1} =~ s|(["\\\\])|\\$1|gr) : die "unset variable $1 in $ARGV\n"/ge' \
    "$src" >"$dest.tmp" || die "cannot render $src"
  chmod 600 "$dest.tmp"
  mv "$dest.tmp" "$dest"
}
