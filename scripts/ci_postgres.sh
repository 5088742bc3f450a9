#!/usr/bin/env bash
# A throwaway PostgreSQL server for the portability test: installed from Debian packages when
# missing, a fresh data directory under /tmp, listening on 127.0.0.1 only, on a free port.
#
#   eval "$(bash scripts/ci_postgres.sh start)"   # prints the BOOKFLOW_PG_* exports on stdout
#   bash scripts/ci_postgres.sh stop DATA_DIR       # stops that server and removes its directory
#
# Everything else goes to stderr so the exports can be eval'ed. Safe to run again: each start is
# a new server, and the install is skipped when PostgreSQL is already there.
set -euo pipefail

log() { echo "ci_postgres: $*" >&2; }

find_bin_dir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

install_postgres() {
  if [ "$(id -u)" -ne 0 ]; then
    log "PostgreSQL is not installed and this user cannot install it: run as root, or apt-get install postgresql"
    exit 1
  fi
  log "installing PostgreSQL from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
}

# Run a command as the server's owner: postgres refuses to run as root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin_dir data_dir port password user=bookflow database=bookflow
  bin_dir=$(find_bin_dir) || { install_postgres; bin_dir=$(find_bin_dir); }
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    log "running as root but there is no 'postgres' user to own the server"
    exit 1
  fi

  data_dir=$(mktemp -d /tmp/bookflow-pg.XXXXXX)
  [ "$(id -u)" -eq 0 ] && chown postgres "$data_dir"
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  # initdb reads the superuser password from a file; it is only readable by the server's owner.
  printf '%s\n' "$password" >"$data_dir.pw"
  [ "$(id -u)" -eq 0 ] && chown postgres "$data_dir.pw"
  chmod 600 "$data_dir.pw"
  as_owner "$bin_dir/initdb" -D "$data_dir/data" -U "$user" --auth=scram-sha-256 --pwfile="$data_dir.pw" \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$data_dir.pw"

  # A free port from the kernel; the short race with another process is retried once.
  for attempt in 1 2; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if as_owner "$bin_dir/pg_ctl" -D "$data_dir/data" -l "$data_dir/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data_dir -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off" >/dev/null; then
      break
    fi
    [ "$attempt" -eq 2 ] && { log "server did not start; its log:"; cat "$data_dir/server.log" >&2; exit 1; }
  done
  PGPASSWORD=$password "$bin_dir/psql" -h 127.0.0.1 -p "$port" -U "$user" -d postgres -qAt \
    -c "create database $database" >/dev/null
  log "PostgreSQL $("$bin_dir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (data in $data_dir)"

  cat <<EOF
export BOOKFLOW_PG_HOST=127.0.0.1
export BOOKFLOW_PG_PORT=$port
export BOOKFLOW_PG_USER=$user
export BOOKFLOW_PG_PASSWORD=$password
export BOOKFLOW_PG_DATABASE=$database
export BOOKFLOW_PG_DATA_DIR=$data_dir
EOF
}

stop() {
  local data_dir=${1:?usage: ci_postgres.sh stop DATA_DIR}
  local bin_dir
  bin_dir=$(find_bin_dir)
  case "$data_dir" in
    /tmp/bookflow-pg.*) ;;
    *) log "refusing to remove $data_dir: not a directory this script made"; exit 1 ;;
  esac
  if [ -d "$data_dir/data" ]; then
    as_owner "$bin_dir/pg_ctl" -D "$data_dir/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$data_dir"
}

case "${1:-start}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) log "usage: ci_postgres.sh [start | stop DATA_DIR]"; exit 2 ;;
esac
