#!/usr/bin/env bash
# Scrobble import benchmark (docs/BENCHMARKS.md, "Scrobble import"): one simulated Last.fm
# user's history through `tunefleet import`, against provider-sim with its limits lifted, into a
# fresh database and vhost per repeat. Three figures, scrobbles per second of wall time (and the
# import process's CPU seconds):
#   lastfm  `import lastfm` of the whole history: pages through the gateway, every track new
#           (rows created, one job per row queued, published with confirms and marked)
#   csv     the same scrobbles as a CSV export for a second listener: every track known, every
#           listen new
#   again   that CSV imported again: every listen already there (the idempotent pass)
# Medians of --repeat runs. Real imports are bound by Last.fm's quota (5 requests/s, 200
# scrobbles a page: 1,000 scrobbles/s); this measures what tunefleet adds.
#
#   bench/import.sh [--build-dir build/bench] [--scrobbles 20000] [--latency-ms 20] [--repeat 3]
#
# Loopback only; uses the private stack (scripts/stack env), Redis database 19 (flushed), and
# stops what it started (trap).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/bench
scrobbles=20000
latency=20
repeat=3
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift ;;
    --scrobbles) scrobbles="$2"; shift ;;
    --latency-ms) latency="$2"; shift ;;
    --repeat) repeat="$2"; shift ;;
    *) echo "usage: bench/import.sh [--build-dir DIR] [--scrobbles N] [--latency-ms N] [--repeat N]" >&2; exit 2 ;;
  esac
  shift
done
eval "$(scripts/stack env)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTUNEFLEET_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target provider_sim_server tunefleet_cli >/dev/null
bin="$build/bin"
api="$TUNEFLEET_RABBITMQ_API_URL"
base_dsn="${TUNEFLEET_PG_ADMIN_DSN:-$TUNEFLEET_PG_DSN}"  # the administrator: it creates the database
redis_url="${TUNEFLEET_REDIS_URL%/*}/19"
amqp_base="${TUNEFLEET_AMQP_URL%/*}"  # the stack's guest: it may declare
work=$(mktemp -d)
pids=()
vhost=
db=
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  [ -n "$vhost" ] && curl -fsS -X DELETE "$api/api/vhosts/$vhost" >/dev/null 2>&1 || true
  [ -n "$db" ] && psql -q "$base_dsn" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  vhost= db=
}
trap 'cleanup; rm -rf "$work"' EXIT

# timed NAME CMD...: runs CMD, appends "wall cpu" (seconds) to $work/NAME.
timed() {
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$work/cpu" "$@" >/dev/null 2>"$work/$name.err" ||
    { echo "bench/import.sh: $name failed:" >&2; cat "$work/$name.err" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') $(awk '{ printf "%.2f", $1 + $2 }' "$work/cpu")" >>"$work/$name"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "load: $(cut -d' ' -f1-3 /proc/loadavg); $scrobbles scrobbles; provider latency ${latency} ms; limits lifted; $repeat repeats"
for run in $(seq "$repeat"); do
  vhost="bench_import_$$_$run"
  db="bench_import_$$_$run"
  curl -fsS -X PUT "$api/api/vhosts/$vhost" >/dev/null
  curl -fsS -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
    "$api/api/permissions/$vhost/guest" >/dev/null
  psql -q "$base_dsn" -c "CREATE DATABASE $db" >/dev/null
  redis-cli -u "$redis_url" FLUSHDB >/dev/null
  "$bin/provider-sim" --port 0 --unlimited --log-level error --lastfm-latency-ms "$latency" \
    --lastfm-users "bench:$scrobbles" >"$work/sim.out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 50); do grep -q listening "$work/sim.out" && break; sleep 0.1; done
  sim="http://127.0.0.1:$(head -1 "$work/sim.out" | sed 's/.*://')"
  export TUNEFLEET_AMQP_URL="$amqp_base/$vhost"
  export TUNEFLEET_PG_DSN="${base_dsn%/*}/$db" TUNEFLEET_REDIS_URL="$redis_url" TUNEFLEET_LOG_LEVEL=warn
  export TUNEFLEET_LASTFM_BASE_URL="$sim/lastfm" TUNEFLEET_LASTFM_API_KEY=bench TUNEFLEET_LASTFM_RATE=100000
  export TUNEFLEET_LASTFM_BURST=1000
  "$bin/tunefleet" migrate >/dev/null
  "$bin/tunefleet" topology upgrade >/dev/null  # the exchange and queues the jobs go to
  timed lastfm "$bin/tunefleet" import lastfm --user bench
  stored=$(psql -qAtX "$TUNEFLEET_PG_DSN" -c "select count(*) from listens")
  [ "$stored" = "$scrobbles" ] || { echo "bench/import.sh: stored $stored of $scrobbles scrobbles" >&2; exit 1; }
  psql -qAtX "$TUNEFLEET_PG_DSN" -c "\\copy (select t.artist_name as artist, t.title as track, t.album_title as album, \
extract(epoch from l.played_at)::bigint as timestamp from listens l join tracks t on t.id = l.track_id order by l.played_at) \
to '$work/scrobbles.csv' csv header"
  timed csv "$bin/tunefleet" import csv --user bench-csv "$work/scrobbles.csv" --rejects "$work/rejects"
  timed again "$bin/tunefleet" import csv --user bench-csv "$work/scrobbles.csv" --rejects "$work/rejects"
  cleanup
done
printf '%-8s %14s %10s %12s\n' import scrobbles/s wall_s cpu_s
for name in lastfm csv again; do
  wall=$(cut -d' ' -f1 "$work/$name" | median)
  cpu=$(cut -d' ' -f2 "$work/$name" | median)
  printf '%-8s %14.0f %10.2f %12.2f\n' "$name" "$(awk -v n="$scrobbles" -v s="$wall" 'BEGIN { print n / s }')" "$wall" "$cpu"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
