#!/usr/bin/env bash
# Provider benchmarks (docs/BENCHMARKS.md, "Providers"): for each provider worker, the bundled
# sample (data/sample: 3,000 tracks, 300 albums) against provider-sim with 50 ms latency and no
# limits: jobs/s of one worker process, API calls per job with a cold cache and again with a
# warm one (the same jobs published a second time), and what coalescing and micro-batching saved.
#
#   bench/providers.sh [--build-dir build/bench] [--latency-ms 50] [--providers spotify,lastfm,musicbrainz,discogs]
#
# Loopback only; each run uses its own vhost, database and Redis database (7, flushed), and
# stops what it started (trap).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/bench
latency=50
providers=spotify,lastfm,musicbrainz,discogs
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift ;;
    --latency-ms) latency="$2"; shift ;;
    --providers) providers="$2"; shift ;;
    *) echo "usage: bench/providers.sh [--build-dir DIR] [--latency-ms N] [--providers LIST]" >&2; exit 2 ;;
  esac
  shift
done
eval "$(scripts/stack env)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTUNEFLEET_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target provider_sim_server tunefleet_cli spotify_worker lastfm_worker \
  musicbrainz_worker discogs_worker >/dev/null
bin="$build/bin"
api="$TUNEFLEET_RABBITMQ_API_URL"
base_dsn="${TUNEFLEET_PG_ADMIN_DSN:-$TUNEFLEET_PG_DSN}"  # the administrator: it creates the database
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
}
trap 'cleanup; rm -rf "$work"' EXIT
metric() {  # metric PORT NAME -> sum over label sets
  curl -fsS "127.0.0.1:$1/metrics" | grep "^$2" | awk '{s += $2} END {printf "%d", s}'
}
rows() { psql -qAtX "$TUNEFLEET_PG_DSN" -c "select (select count(*) from track_sources) + (select count(*) from album_sources)"; }
wait_rows() {  # wait_rows N DEADLINE_S
  local deadline=$(( $(date +%s) + $2 ))
  while [ "$(rows)" -lt "$1" ]; do
    [ "$(date +%s)" -ge "$deadline" ] && { echo "timeout waiting for $1 rows ($(rows))" >&2; return 1; }
    sleep 0.2
  done
}
# After the second (warm) publish the rows already exist: wait until the job queue is empty.
wait_drained() {
  local deadline=$(( $(date +%s) + $2 ))
  while :; do
    local n; n=$(curl -fsS "$api/api/queues/$vhost/tunefleet.$1" | { grep -o '"messages":[0-9]*' || true; } | head -1 | cut -d: -f2)
    [ "${n:-1}" = 0 ] && [ "$(metric "$3" tunefleet_jobs_in_flight)" = 0 ] && return 0
    [ "$(date +%s)" -ge "$deadline" ] && { echo "timeout draining" >&2; return 1; }
    sleep 0.5
  done
}

jobs=$(( $(wc -l < data/sample/tracks.csv) - 1 + $(wc -l < data/sample/albums.csv) - 1 ))
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); $jobs jobs per provider; provider latency ${latency} ms; limits lifted"
printf '%-12s %8s %10s %12s %12s %10s %14s\n' provider jobs/s calls/job calls/job coalesced batched_ids "batched_calls"
printf '%-12s %8s %10s %12s %12s %10s %14s\n' "" "" "(cold)" "(warm)" "" "" ""
IFS=, read -r -a list <<< "$providers"
for p in "${list[@]}"; do
  upper=$(echo "$p" | tr a-z A-Z)
  vhost="bench_providers_${p}_$$"
  db="bench_providers_${p}_$$"
  curl -fsS -X PUT "$api/api/vhosts/$vhost" >/dev/null
  curl -fsS -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
    "$api/api/permissions/$vhost/guest" >/dev/null
  psql -q "$base_dsn" -c "CREATE DATABASE $db" >/dev/null
  redis-cli -u "${TUNEFLEET_REDIS_URL%/*}/7" FLUSHDB >/dev/null
  "$bin/provider-sim" --port 0 --unlimited --log-level error "--$p-latency-ms" "$latency" >"$work/sim.out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 50); do grep -q listening "$work/sim.out" && break; sleep 0.1; done
  sim="http://127.0.0.1:$(head -1 "$work/sim.out" | sed 's/.*://')"
  export TUNEFLEET_AMQP_URL="amqp://guest:guest@127.0.0.1:35672/$vhost" TUNEFLEET_PG_DSN="${base_dsn%/*}/$db"
  export TUNEFLEET_REDIS_URL_BENCH="${TUNEFLEET_REDIS_URL%/*}/7"
  "$bin/tunefleet" migrate >/dev/null
  env TUNEFLEET_REDIS_URL="$TUNEFLEET_REDIS_URL_BENCH" TUNEFLEET_LOG_LEVEL=warn TUNEFLEET_METRICS_PORT=9499 \
    "TUNEFLEET_${upper}_BASE_URL=$sim/$p" "TUNEFLEET_${upper}_RATE=100000" "TUNEFLEET_${upper}_BURST=1000" \
    "TUNEFLEET_${upper}_MAX_CONCURRENCY=512" TUNEFLEET_SPOTIFY_AUTH_URL="$sim/spotify" \
    TUNEFLEET_SPOTIFY_CLIENT_ID=bench TUNEFLEET_SPOTIFY_CLIENT_SECRET=bench TUNEFLEET_LASTFM_API_KEY=bench \
    TUNEFLEET_DISCOGS_TOKEN=bench TUNEFLEET_MUSICBRAINZ_USER_AGENT="tunefleet-bench/0.1 ( bench@example.invalid )" \
    "$bin/tunefleet-$p" 2>"$work/$p.log" &
  pids+=($!)
  sleep 1
  start=$(date +%s.%N)
  "$bin/tunefleet" publish data/sample/tracks.csv --providers "$p" --rejects "$work/r1" >/dev/null 2>&1
  "$bin/tunefleet" publish data/sample/albums.csv --kind album --providers "$p" --rejects "$work/r2" >/dev/null 2>&1
  wait_rows "$jobs" 600
  cold_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  cold_calls=$(metric 9499 tunefleet_api_calls_total)
  "$bin/tunefleet" publish data/sample/tracks.csv --providers "$p" --job-id-prefix warm --rejects "$work/r3" >/dev/null 2>&1
  "$bin/tunefleet" publish data/sample/albums.csv --kind album --providers "$p" --job-id-prefix warmalb --rejects "$work/r4" >/dev/null 2>&1
  wait_drained "$p" 600 9499
  warm_calls=$(( $(metric 9499 tunefleet_api_calls_total) - cold_calls ))
  coalesced=$(metric 9499 tunefleet_coalesced_calls_total)
  batched_items=$(metric 9499 tunefleet_batched_items_total)
  batched_calls=$(metric 9499 tunefleet_batched_calls_total)
  printf '%-12s %8.0f %10.2f %12.2f %12s %10s %14s\n' "$p" "$(awk -v j="$jobs" -v s="$cold_s" 'BEGIN { print j / s }')" \
    "$(awk -v c="$cold_calls" -v j="$jobs" 'BEGIN { print c / j }')" "$(awk -v c="$warm_calls" -v j="$jobs" 'BEGIN { print c / j }')" \
    "$coalesced" "$batched_items" "$batched_calls"
  cleanup
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
