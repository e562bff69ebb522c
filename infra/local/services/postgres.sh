# PostgreSQL 15: the catalogue. Postgres refuses to run as root, so initdb and pg_ctl run as the `postgres` system
# user on a data folder it owns inside <state>/postgres; its socket folder is there too.
pg_bin() {
  local d
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  die "postgres: no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql)"
}

PG_DIR="$MIC_STATE_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/run"
PG_LOG="$LOG_DIR/postgres.log"

as_pg() { runuser -u postgres -- "$@"; }

# The postgres user must be able to reach its folder; a state folder under a private home needs traverse rights.
grant_traverse() {
  local dir="$1"
  while [ "$dir" != "/" ]; do
    dir="$(dirname "$dir")"
    as_pg test -x "$dir" && continue
    if command -v setfacl >/dev/null; then
      setfacl -m u:postgres:x "$dir"
    else
      chmod o+x "$dir"
    fi
    say "postgres: granted the postgres user traverse (x) permission on $dir"
  done
}

start_postgres() {
  local bin
  bin="$(pg_bin)"
  id postgres >/dev/null 2>&1 || die "postgres: the postgres system user is missing (apt-get install postgresql)"
  mkdir -p "$PG_DATA" "$PG_SOCK"
  chown postgres:postgres "$PG_DIR" "$PG_DATA" "$PG_SOCK"
  chmod 700 "$PG_DATA"
  touch "$PG_LOG" && chown postgres:postgres "$PG_LOG"
  grant_traverse "$PG_DIR"
  grant_traverse "$PG_LOG"

  if as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    say "postgres: already running"
  else
    require_free_port postgres "$MIC_POSTGRES_PORT"
    if [ ! -s "$PG_DATA/PG_VERSION" ]; then
      say "postgres: initialising $PG_DATA"
      as_pg "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1 || die "postgres: initdb failed (see $PG_LOG)"
    fi
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start \
      -o "-p $MIC_POSTGRES_PORT -k $PG_SOCK -c listen_addresses=$MIC_POSTGRES_HOST" >/dev/null ||
      die "postgres: did not start: $(tail -n 20 "$PG_LOG")"
    say "postgres: started on $MIC_POSTGRES_HOST:$MIC_POSTGRES_PORT"
  fi
  ensure_pg_role "$bin"
}

# Role and database from the config; the password is always reset to the configured one. Values go through psql
# variables (\getenv), so no quoting problems and no password on a command line.
ensure_pg_role() {
  as_pg "$1/psql" -h "$PG_SOCK" -p "$MIC_POSTGRES_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 >/dev/null <<'SQL' ||
\getenv user MIC_POSTGRES_USER
\getenv pw MIC_POSTGRES_PASSWORD
\getenv db MIC_POSTGRES_DATABASE
SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user')\gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'pw';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
    die "postgres: could not create role/database $MIC_POSTGRES_USER/$MIC_POSTGRES_DATABASE"
}

stop_postgres() {
  local bin
  bin="$(pg_bin)"
  if [ -s "$PG_DATA/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
    say "postgres: stopped"
  else
    say "postgres: not running"
  fi
}
