#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests, benchmarks and the demo.
#   scripts/pg-cluster.sh start DIR   initdb + start in DIR (as user postgres when run as root), print the URL
#   scripts/pg-cluster.sh stop DIR    stop it (the directory is left for the caller to remove)
# Installs Debian's postgresql package when no server is installed (apt-get, as root).
set -euo pipefail
cmd=${1:?usage: pg-cluster.sh start|stop DIR}
dir=${2:?usage: pg-cluster.sh start|stop DIR}

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$d" ] && command -v initdb >/dev/null 2>&1; then d=$(dirname "$(command -v initdb)"); fi
  echo "$d"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid="$owner" --regid="$(id -g "$owner")" --init-groups -- "$@"
  else
    "$@"
  fi
}

owner=$(id -un)
if [ "$(id -u)" = 0 ]; then owner=postgres; fi

case "$cmd" in
start)
  bin=$(bindir)
  if [ -z "$bin" ]; then
    echo "pg-cluster: no PostgreSQL server installed; installing Debian's postgresql package" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin=$(bindir)
  fi
  [ -n "$bin" ] || { echo "pg-cluster: no initdb after installing postgresql" >&2; exit 1; }
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then owner=nobody; fi
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown "$owner" "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=200" start >&2 ||
    { cat "$dir/postgres.log" >&2; exit 1; }
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
stop)
  bin=$(bindir)
  if [ -n "$bin" ] && [ -d "$dir/data" ]; then
    if [ "$(id -u)" = 0 ]; then owner=$(stat -c %U "$dir/data"); fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  fi
  ;;
*)
  echo "usage: pg-cluster.sh start|stop DIR" >&2
  exit 2
  ;;
esac
