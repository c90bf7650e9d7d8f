#!/usr/bin/env bash
# /readyz of a worker follows its broker and its database (what the Kubernetes readiness
# probe of deploy/k8s relies on), without stopping the shared services:
#
#   broker gone:    the worker's vhost is deleted through the management API (RabbitMQ
#                   closes the worker's connection and refuses reconnects to the vhost);
#                   "returns" = the vhost is created again with guest's permissions.
#   database gone:  ALTER DATABASE ... ALLOW_CONNECTIONS false and pg_terminate_backend of
#                   the worker's connections, then one job is published so the worker tries
#                   to write (it learns about the database only when it uses it);
#                   "returns" = ALLOW_CONNECTIONS true; the held job is then stored.
#   never there:    a worker started with a DSN on a closed port is unready from the start.
#
# Expected: 503 and a JSON body with "status":"unhealthy" and the service named unhealthy
# while gone; 200 and "healthy" again after. /healthz stays 200 throughout.
#
#   readyz_test.sh BINARY_DIR
#
# Ends with one line "N passed, M failed"; non-zero exit on failure.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BIN=${1:?usage: readyz_test.sh BINARY_DIR}/bin
PY=/usr/bin/python3
API=${TUNEFLEET_RABBITMQ_API_URL:-http://guest:guest@127.0.0.1:35673}
AMQP_BASE=${TUNEFLEET_AMQP_URL:-amqp://guest:guest@127.0.0.1:35672/%2f}
AMQP_BASE=${AMQP_BASE%/*}
# The administrator (CREATEDB): TUNEFLEET_PG_ADMIN_DSN from scripts/stack, else an older stack's TUNEFLEET_PG_DSN.
PG_DSN=${TUNEFLEET_PG_ADMIN_DSN:-${TUNEFLEET_PG_DSN:-postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet}}

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
finish() { echo "$passed passed, $failed failed"; [[ $failed -eq 0 ]]; exit $?; }
die() { fail "$*"; finish; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
vhost=tf_readyz_$suffix
db=tf_readyz_$suffix
work=$(mktemp -d /tmp/tunefleet-readyz.XXXXXX)
pids=()
sql() { psql -qAtX "$PG_DSN" -c "$1"; }
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  curl -fsS -X DELETE "$API/api/vhosts/$vhost" >/dev/null 2>&1
  sql "ALTER DATABASE $db ALLOW_CONNECTIONS true" >/dev/null 2>&1
  sql "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  if [[ $failed -gt 0 ]]; then
    for f in "$work"/*.log; do echo "----- tail of $f"; tail -n 15 "$f"; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

create_vhost() {
  curl -fsS -X PUT "$API/api/vhosts/$vhost" >/dev/null &&
    curl -fsS -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
      "$API/api/permissions/$vhost/guest" >/dev/null
}

# readyz PORT -> "<http status> <body>"
readyz() { curl -sS --max-time 2 -w ' %{http_code}' "http://127.0.0.1:$1/readyz" 2>/dev/null; }
# wait_readyz PORT STATUS NEEDLE SECONDS: until /readyz answers STATUS with NEEDLE in its body.
last=""
wait_readyz() {
  local port=$1 status=$2 needle=$3 deadline=$((SECONDS + $4))
  while ((SECONDS < deadline)); do
    last=$(readyz "$port")
    [[ $last == *" $status" && $last == *"$needle"* ]] && return 0
    sleep 0.2
  done
  return 1
}
healthz_ok() { [[ $(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz") == 200 ]]; }

for b in tunefleet tunefleet-noop; do [[ -x $BIN/$b ]] || die "$BIN/$b not built"; done
create_vhost || die "cannot create vhost $vhost (RabbitMQ management API $API; scripts/stack up)"
sql "CREATE DATABASE $db" >/dev/null || die "cannot create database $db (scripts/stack up)"
export TUNEFLEET_AMQP_URL="$AMQP_BASE/$vhost"
export TUNEFLEET_PG_DSN="${PG_DSN%/*}/$db"
export TUNEFLEET_MIGRATIONS_DIR=$REPO_ROOT/migrations
export TUNEFLEET_LOG_LEVEL=info
"$BIN/tunefleet" migrate >"$work/migrate.log" 2>&1 || die "tunefleet migrate failed"

port=$(free_port)
TUNEFLEET_METRICS_BIND=127.0.0.1 TUNEFLEET_METRICS_PORT=$port TUNEFLEET_DB_RETRY_MAX=1s \
  TUNEFLEET_BATCH_MAX_WAIT=10ms "$BIN/tunefleet-noop" 2>"$work/tunefleet-noop.log" &
pids+=($!)

wait_readyz "$port" 200 '"status":"healthy"' 20 && ok "ready at start: $last" || die "not ready at start: $last"

# ------------------------------------------------------------------ broker gone and back
t0=$SECONDS
curl -fsS -X DELETE "$API/api/vhosts/$vhost" >/dev/null || fail "deleting vhost $vhost"
if wait_readyz "$port" 503 '"rabbitmq":{"status":"unhealthy"' 20; then
  ok "vhost deleted: unready after $((SECONDS - t0)) s: ${last% *}"
else
  fail "vhost deleted: still '$last' after 20 s"
fi
healthz_ok "$port" && ok "/healthz 200 while the broker is gone" || fail "/healthz not 200 while the broker is gone"
t0=$SECONDS
create_vhost || fail "recreating vhost $vhost"
if wait_readyz "$port" 200 '"status":"healthy"' 60; then
  ok "vhost recreated: ready again after $((SECONDS - t0)) s"
else
  fail "vhost recreated: still '$last' after 60 s"
fi

# ------------------------------------------------------------------ database gone and back
t0=$SECONDS
sql "ALTER DATABASE $db ALLOW_CONNECTIONS false" >/dev/null || fail "ALTER DATABASE ALLOW_CONNECTIONS false"
sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$db'" >/dev/null
printf 'artist,title\nReady Artist,Readyz title\n' >"$work/one.csv"
"$BIN/tunefleet" publish "$work/one.csv" --providers noop --rejects "$work/rejects" >"$work/publish.log" 2>&1 ||
  fail "publishing one job: $(tail -n 2 "$work/publish.log")"
if wait_readyz "$port" 503 '"postgres":{"status":"unhealthy"' 20; then
  ok "database refusing connections: unready after $((SECONDS - t0)) s: ${last% *}"
else
  fail "database refusing connections: still '$last' after 20 s"
fi
metrics=$(curl -fsS "http://127.0.0.1:$port/metrics")
[[ $metrics == *'tunefleet_database_up{provider="noop"} 0'* ]] && ok "tunefleet_database_up 0 while gone" ||
  fail "tunefleet_database_up not 0 while gone"
t0=$SECONDS
sql "ALTER DATABASE $db ALLOW_CONNECTIONS true" >/dev/null || fail "ALTER DATABASE ALLOW_CONNECTIONS true"
if wait_readyz "$port" 200 '"status":"healthy"' 30; then
  ok "database back: ready again after $((SECONDS - t0)) s"
else
  fail "database back: still '$last' after 30 s"
fi
stored=0
for _ in $(seq 50); do
  stored=$(psql -qAtX "$TUNEFLEET_PG_DSN" -c "select count(*) from track_sources where provider = 'noop'" 2>/dev/null)
  [[ $stored == 1 ]] && break
  sleep 0.2
done
[[ $stored == 1 ]] && ok "the job held while the database was gone is stored" || fail "$stored rows stored, expected 1"

# ------------------------------------------------------------------ database never there
closed=$(free_port)  # bound and released: nothing listens on it
port2=$(free_port)
TUNEFLEET_PG_DSN="postgresql://tunefleet:tunefleet@127.0.0.1:$closed/tunefleet" TUNEFLEET_METRICS_BIND=127.0.0.1 \
  TUNEFLEET_METRICS_PORT=$port2 "$BIN/tunefleet-noop" 2>"$work/tunefleet-noop-closed.log" &
pids+=($!)
if wait_readyz "$port2" 503 '"postgres":{"status":"unhealthy"' 20; then
  ok "DSN on closed port $closed: unready: ${last% *}"
else
  fail "DSN on closed port $closed: '$last'"
fi

finish
