#!/usr/bin/env bash
# The gateway benchmarks (docs/BENCHMARKS.md, "Gateway"): fleet quota utilization and
# in-flight capacity, against provider-sim on loopback and the private stack's Redis.
#
#   bench/gateway.sh [--build-dir build/bench] [--quota-seconds 60] [--inflight-seconds 10]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/bench
quota_seconds=60
inflight_seconds=10
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift ;;
    --quota-seconds) quota_seconds="$2"; shift ;;
    --inflight-seconds) inflight_seconds="$2"; shift ;;
    *) echo "usage: bench/gateway.sh [--build-dir DIR] [--quota-seconds N] [--inflight-seconds N]" >&2; exit 2 ;;
  esac
  shift
done
eval "$(scripts/stack env)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTUNEFLEET_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_gateway provider_sim_server >/dev/null

sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
start_sim() {  # args: provider-sim flags; sets port
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
  local out; out=$(mktemp)
  "$build/bin/provider-sim" --port 0 --log-level error "$@" >"$out" 2>/dev/null &
  sim_pid=$!
  for _ in $(seq 50); do grep -q listening "$out" && break; sleep 0.1; done
  port=$(head -1 "$out" | sed 's/.*://')
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== quota: 4 processes share 20 req/s (burst 5) for ${quota_seconds} s; the simulator enforces the same limit"
start_sim --discogs-rate 20 --discogs-burst 5 --discogs-latency-ms 20
"$build/bin/bench-gateway" --mode quota --base-url "http://127.0.0.1:$port/discogs" --processes 4 --rate 20 \
  --burst 5 --concurrency 20 --seconds "$quota_seconds" --redis "$TUNEFLEET_REDIS_URL"
curl -fsS "127.0.0.1:$port/_sim/stats" | python3 -c 'import json, sys
d = json.load(sys.stdin)["discogs"]
print("simulator saw %d discogs requests, %d over its limit" % (d["requests"], d["limited"]))'

echo "== in flight: one process, 1000 concurrent calls, provider latency 100 ms, no limits, ${inflight_seconds} s"
start_sim --unlimited --discogs-latency-ms 100
"$build/bin/bench-gateway" --mode inflight --base-url "http://127.0.0.1:$port/discogs" --concurrency 1000 \
  --seconds "$inflight_seconds" --redis "$TUNEFLEET_REDIS_URL"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
