#!/usr/bin/env bash
# Integration test for scripts/stack: up twice (second is a no-op), status, every service
# answers, single-service stop/start/restart, down (processes gone, ports closed), up again.
# Leaves the stack UP: the other integration tests run after this one.
# Ends with exactly one line "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
STACK=$REPO_ROOT/scripts/stack
STACK_DIR=${TUNEFLEET_STACK_DIR:-$REPO_ROOT/.stack}

RMQ_PORT=${TUNEFLEET_RABBITMQ_PORT:-35672}
RMQ_MGMT_PORT=${TUNEFLEET_RABBITMQ_MGMT_PORT:-35673}
RMQ_PROM_PORT=${TUNEFLEET_RABBITMQ_PROMETHEUS_PORT:-35692}
RMQ_DIST_PORT=${TUNEFLEET_RABBITMQ_DIST_PORT:-35674}
EPMD_PORT=${TUNEFLEET_EPMD_PORT:-35675}
PG_PORT=${TUNEFLEET_PG_PORT:-35432}
REDIS_PORT=${TUNEFLEET_REDIS_PORT:-36379}
ALL_PORTS=("$RMQ_PORT" "$RMQ_MGMT_PORT" "$RMQ_PROM_PORT" "$RMQ_DIST_PORT" "$EPMD_PORT" "$PG_PORT" "$REDIS_PORT")

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { # check "description" command...
  local desc=$1
  shift
  if "$@"; then ok "$desc"; else fail "$desc"; fi
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# Alive = exists and is not a zombie (an unreaped zombie has already released everything).
pid_alive() {
  [[ "$1" =~ ^[0-9]+$ ]] && [[ -r /proc/$1/stat ]] && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}
stack_pids() {
  local f
  for f in rabbitmq/rabbitmq.pid postgres/data/postmaster.pid redis/redis.pid; do
    [[ -r "$STACK_DIR/$f" ]] && printf "%s\n" "$(head -n1 "$STACK_DIR/$f")"
  done
}

rabbit_api_ok() {
  local body # no `curl | grep -q`: with pipefail, grep closing early fails curl
  body=$(curl -fsS --max-time 10 -u guest:guest "http://127.0.0.1:$RMQ_MGMT_PORT/api/overview") && [[ $body == *\"rabbitmq_version\"* ]]
}
rabbit_prometheus_ok() {
  local body
  body=$(curl -fsS --max-time 10 "http://127.0.0.1:$RMQ_PROM_PORT/metrics") && grep -q "^rabbitmq_" <<<"$body"
}
pg_ok() {
  [[ "$(psql "$TUNEFLEET_PG_DSN" -X -At -c 'select current_user || 1' 2>&1)" == tunefleet_worker1 ]]
}
# Each role logs in as itself (docs/DATABASE.md "Roles").
pg_roles_ok() {
  [[ "$(psql "$TUNEFLEET_PG_OWNER_DSN" -X -At -c 'select current_user' 2>&1)" == tunefleet_owner ]] &&
    [[ "$(psql "$TUNEFLEET_PG_READER_DSN" -X -At -c 'select current_user' 2>&1)" == tunefleet_reader ]] &&
    [[ "$(psql "$TUNEFLEET_PG_ADMIN_DSN" -X -At -c 'select current_user' 2>&1)" == tunefleet ]]
}
# The RabbitMQ users of deploy/rabbitmq/permissions.txt exist in the default vhost.
rabbit_users_ok() {
  local body
  body=$(curl -fsS --max-time 10 -u guest:guest "http://127.0.0.1:$RMQ_MGMT_PORT/api/permissions") &&
    [[ $body == *'"user":"tunefleet-publisher"'* && $body == *'"user":"tunefleet-worker"'* && $body == *'"user":"tunefleet-admin"'* ]]
}
pg_settings_ok() {
  [[ "$(psql "$TUNEFLEET_PG_DSN" -X -At -c "select current_setting('max_connections') || ' ' || current_setting('shared_buffers') || ' ' || current_setting('fsync')" 2>&1)" == "200 256MB on" ]]
}
redis_ok() { [[ "$(redis-cli -p "$REDIS_PORT" ping 2>&1)" == PONG ]]; }
all_answer() {
  check "rabbitmq management API answers" rabbit_api_ok
  check "rabbitmq AMQP port $RMQ_PORT open" port_open "$RMQ_PORT"
  check "rabbitmq prometheus endpoint answers" rabbit_prometheus_ok
  check "postgres: select 1 as tunefleet_worker" pg_ok
  check "postgres: owner, reader and test admin log in as themselves" pg_roles_ok
  check "rabbitmq: the publisher, worker and admin users exist" rabbit_users_ok
  check "postgres: max_connections=200 shared_buffers=256MB fsync=on" pg_settings_ok
  check "redis ping == PONG" redis_ok
}

stack_up_to() { "$STACK" up >"$1"; }
only_exports() { # stdout of `up`/`env` must be export lines only
  [[ -s "$1" ]] && ! grep -qv '^export TUNEFLEET_[A-Z_]*=' "$1"
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# ---- 1. up from whatever state, then up again (no-op)
check "stack up (1st)" stack_up_to "$out"
check "up prints only export lines on stdout" only_exports "$out"
eval "$(cat "$out")"
check "env has TUNEFLEET_AMQP_URL" test "${TUNEFLEET_AMQP_URL:-}" = "amqp://guest:guest@127.0.0.1:$RMQ_PORT/%2f"
check "env has TUNEFLEET_PG_DSN" test "${TUNEFLEET_PG_DSN:-}" = "postgresql://tunefleet_worker:tunefleet_worker@127.0.0.1:$PG_PORT/tunefleet"
check "env has TUNEFLEET_PG_ADMIN_DSN" test "${TUNEFLEET_PG_ADMIN_DSN:-}" = "postgresql://tunefleet:tunefleet@127.0.0.1:$PG_PORT/tunefleet"
check "env has TUNEFLEET_REDIS_URL" test "${TUNEFLEET_REDIS_URL:-}" = "redis://127.0.0.1:$REDIS_PORT/0"
check "env has TUNEFLEET_RABBITMQ_API_URL" test "${TUNEFLEET_RABBITMQ_API_URL:-}" = "http://guest:guest@127.0.0.1:$RMQ_MGMT_PORT"
pids_before=$(stack_pids)

start=$SECONDS
check "stack up (2nd)" stack_up_to "$out"
check "second up took < 10s ($((SECONDS - start))s)" test $((SECONDS - start)) -lt 10
check "second up kept the same processes" test "$(stack_pids)" = "$pids_before"
check "env output equals up output" diff -q <("$STACK" env) "$out"

check "status exits 0" "$STACK" status
check "status shows 3 running services" test "$("$STACK" status | grep -c ' running ')" -eq 3
all_answer

# ---- 2. single-service operations used by other integration tests
check "stop postgres" "$STACK" stop postgres
check "postgres port closed after stop" bash -c "! timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$PG_PORT' 2>/dev/null"
check "status exits non-zero with postgres stopped" bash -c "! '$STACK' status >/dev/null"
check "start postgres" "$STACK" start postgres
check "postgres answers after start" pg_ok
check "restart redis" "$STACK" restart redis
check "redis answers after restart" redis_ok
check "restart rabbitmq" "$STACK" restart rabbitmq
check "rabbitmq answers after restart" rabbit_api_ok

# ---- 3. down: everything gone
pids_before=$(stack_pids)
check "stack down" "$STACK" down
for pid in $pids_before; do
  check "pid $pid gone after down" bash -c "! { [[ -r /proc/$pid/stat ]] && [[ \$(awk '{print \$3}' /proc/$pid/stat) != Z ]]; }"
done
for port in "${ALL_PORTS[@]}"; do
  check "port $port closed after down" bash -c "! timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port' 2>/dev/null"
done
check "status exits non-zero after down" bash -c "! '$STACK' status >/dev/null"
check "second down is harmless" "$STACK" down

# ---- 4. up again and leave it running
check "stack up (after down)" stack_up_to "$out"
check "status exits 0 after up" "$STACK" status
all_answer

echo "$passed passed, $failed failed"
((failed == 0))
