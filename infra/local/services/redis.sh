# Redis: the job queue (BullMQ). Data under <state>/redis.
redis_conf_template="$INFRA_DIR/local/redis.conf"

start_redis() {
  if live_pid redis redis-server >/dev/null; then
    say "redis: already running"
    return 0
  fi
  require_free_port redis "$MIC_REDIS_PORT"
  export REDIS_DIR="$MIC_STATE_DIR/redis"
  mkdir -p "$REDIS_DIR"
  render "$redis_conf_template" "$REDIS_DIR/redis.conf"
  # requirepass only when a password is configured (an empty requirepass would be refused).
  if [ -n "${MIC_REDIS_PASSWORD:-}" ]; then
    printf 'requirepass "%s"\n' "$(printf '%s' "$MIC_REDIS_PASSWORD" | sed 's/[\\"]/\\&/g')" >>"$REDIS_DIR/redis.conf"
  fi
  start_bg redis redis-server "$REDIS_DIR/redis.conf"
  say "redis: started on $MIC_REDIS_HOST:$MIC_REDIS_PORT"
}

stop_redis() { stop_bg redis redis-server; }
