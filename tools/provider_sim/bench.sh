#!/usr/bin/env bash
# Throughput of provider-sim on loopback, measured with wrk (docs/PROVIDER_SIM.md).
#
#   tools/provider_sim/bench.sh [path/to/provider-sim]     # default build/sim-release/bin/provider-sim
#   RUNS=3 DURATION=10s tools/provider_sim/bench.sh
#
# Three scenarios, each run RUNS times; prints every run and the median requests/s, and the
# simulator's CPU use (utime+stime from /proc over wall time; 100% = one core):
#   1. Spotify GET /v1/tracks/{id}, no latency, --unlimited, keep-alive, 64 connections
#   2. Last.fm track.getTopTags, same
#   3. Last.fm track.getTopTags with 100 ms latency, 2,000 connections (expect ~20,000 req/s)
# The simulator is pinned to CPU 0 and wrk to CPU 1 (taskset) when the machine has 2+ cores.
# wrk is a benchmark tool, not a build dependency: installed here when missing.
set -euo pipefail

BIN=${1:-build/sim-release/bin/provider-sim}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
[[ -x "$BIN" ]] || { echo "bench: $BIN not built (cmake --build <dir> --target provider_sim_server)" >&2; exit 1; }
if ! command -v wrk > /dev/null; then
  SUDO=(); [[ $(id -u) -ne 0 ]] && SUDO=(sudo)
  "${SUDO[@]}" apt-get install -y wrk > /dev/null
fi

SIM_CPU=(); WRK_CPU=()
if [[ $(nproc) -ge 2 ]] && command -v taskset > /dev/null; then SIM_CPU=(taskset -c 0); WRK_CPU=(taskset -c 1); fi

out=$(mktemp -d)
sim_pid=""
cleanup() { [[ -n $sim_pid ]] && kill "$sim_pid" 2> /dev/null || true; rm -rf "$out"; }
trap cleanup EXIT

start_sim() {
  [[ -n $sim_pid ]] && { kill "$sim_pid"; wait "$sim_pid" 2> /dev/null || true; }
  rm -f "$out/stdout"  # the background redirect below truncates it only later
  "${SIM_CPU[@]}" "$BIN" --port 0 --unlimited "$@" > "$out/stdout" 2> "$out/stderr" &
  sim_pid=$!
  for _ in $(seq 100); do grep -q listening "$out/stdout" 2> /dev/null && break; sleep 0.05; done
  port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out/stdout")
  base="http://127.0.0.1:$port"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$sim_pid/stat"; }

# run <label> <connections> <url> [wrk args...]
run() {
  local label=$1 connections=$2 url=$3; shift 3
  local rates=()
  for i in $(seq "$RUNS"); do
    local t0 c0 t1 c1 rps cpu
    t0=$(date +%s.%N); c0=$(cpu_ticks)
    rps=$("${WRK_CPU[@]}" wrk -t1 -c"$connections" -d"$DURATION" --timeout 5s "$@" "$url" |
          awk '/Requests\/sec/ {print $2}')
    t1=$(date +%s.%N); c1=$(cpu_ticks)
    cpu=$(echo "($c1 - $c0) / $(getconf CLK_TCK) / ($t1 - $t0) * 100" | bc -l)
    printf '%-44s run %d: %10.0f req/s  sim CPU %5.1f%%\n' "$label" "$i" "$rps" "$cpu"
    rates+=("$rps")
  done
  printf '%-44s median: %10.0f req/s\n' "$label" "$(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")"
}

start_sim
token=$(curl -s -u id:secret -d grant_type=client_credentials "$base/spotify/api/token" |
        sed 's/.*"access_token":"\([^"]*\)".*/\1/')
track=$(curl -s -H "Authorization: Bearer $token" \
          "$base/spotify/v1/search?q=track%3A%22Hey%20Jude%22%20artist%3A%22The%20Beatles%22&type=track&limit=1" |
        sed 's/.*"uri":"spotify:track:\([^"]*\)".*/\1/')
run "spotify /v1/tracks/{id}, 0 ms, 64 conns" 64 "$base/spotify/v1/tracks/$track" -H "Authorization: Bearer $token"
tags="/lastfm/2.0/?method=track.getTopTags&artist=The%20Beatles&track=Hey%20Jude&api_key=k&format=json"
run "lastfm track.getTopTags, 0 ms, 64 conns" 64 "$base$tags"

start_sim --lastfm-latency-ms 100
run "lastfm track.getTopTags, 100 ms, 2000 conns" 2000 "$base$tags"
