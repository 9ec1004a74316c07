# A throwaway PostgreSQL for the tests and benchmarks: Debian's packages,
# a cluster in a temporary directory, listening on loopback only, stopped
# (and the directory removed) by pg_stop. Source after common.sh.
#
#   pg_start        # exports FLAGLIVE_TEST_POSTGRES=postgres://flaglive@127.0.0.1:PORT/postgres
#   ...
#   pg_stop

PG_DIR=
PG_BIN=

ensure_postgres() {
  [ -n "$PG_BIN" ] && return 0
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    apt_install postgresql
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL's initdb not found under /usr/lib/postgresql"
}

# Runs a PostgreSQL program; as root, as the postgres user (initdb and the
# server refuse to run as root).
pg_run() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
  ensure_postgres
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/flaglive-pg.XXXXXX")
  chmod 755 "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
  local port
  port=$(free_port)
  say "starting PostgreSQL ($("$PG_BIN/postgres" --version | awk '{print $3}')) on 127.0.0.1:$port"
  pg_run "$PG_BIN/initdb" -D "$PG_DIR/data" -U flaglive --auth=trust --encoding=UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  # Durability off: a test database is thrown away, and fsync only slows the
  # tests. Enough connections for several server instances and their pools.
  pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
  export FLAGLIVE_TEST_POSTGRES="postgres://flaglive@127.0.0.1:$port/postgres"
}

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=
  unset FLAGLIVE_TEST_POSTGRES
}
