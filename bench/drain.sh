#!/usr/bin/env bash
# The drain benchmark (docs/BENCHMARKS.md, "Drain: noop worker vs raw reference").
#
#   bench/drain.sh [--jobs 200000] [--processes 1,2] [--repeat 3] [--no-raw]
#                  [--timeout 300] [--max-load 0.5] [--build-dir build/bench] [--results FILE]
#                  [--drop-builder-queues] [--noop-env NAME=VALUE]...
#
# For every repetition and every configuration (raw reference, then tunefleet-noop with each
# process count): create a private vhost and database, migrate, prefill N track jobs into
# tunefleet.noop (bench-prefill, publisher confirms), start the consumers, and time until N
# rows are committed in track_sources (bench-wait-rows polls count(*) every 100 ms). Before
# stopping the consumers it reads each process's peak RSS (VmHWM) and CPU seconds
# (utime+stime), plus the CPU of their PostgreSQL backends. Then it stops them, checks the
# database (N tracks, N sources), and drops the vhost and the database. A summary table of
# medians is printed at the end; raw per-run lines go to --results (TSV).
#
# --drop-builder-queues is an experiment for the cost breakdown, not for headline figures:
# once the workers are consuming, it deletes tunefleet.recommend and tunefleet.features, so
# the follow-ups the workers still publish (and wait confirms for) are routed nowhere and the
# broker no longer stores two quorum-queue messages per job. --noop-env passes an extra
# setting to the noop workers (e.g. TUNEFLEET_AMQP_PREFETCH=2000), also for experiments.
#
# Loopback only: the AMQP, management and PostgreSQL endpoints must be 127.0.0.1/localhost.
# Every run is bounded (--timeout seconds to drain, bounded prefill, migrate and stop), and
# the trap stops the processes it started (by pid) and drops its vhost and database, also on
# failure or Ctrl-C.
#
# Environment (defaults = scripts/stack):
#   TUNEFLEET_BENCH_AMQP   [amqp://guest:guest@127.0.0.1:35672]   base URL, no vhost
#   TUNEFLEET_BENCH_MGMT   [http://guest:guest@127.0.0.1:35673]   management API
#   TUNEFLEET_BENCH_PG     [postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet]
#                          a role allowed to CREATE DATABASE; runs use their own databases
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

JOBS=200000
PROCESSES=1,2
REPEAT=3
RAW=1
TIMEOUT=300
MAX_LOAD=
BUILD_DIR=$REPO_ROOT/build/bench
RESULTS=
DROP_BUILDER_QUEUES=0
NOOP_ENV=()

AMQP_BASE=${TUNEFLEET_BENCH_AMQP:-amqp://guest:guest@127.0.0.1:35672}
MGMT=${TUNEFLEET_BENCH_MGMT:-http://guest:guest@127.0.0.1:35673}
PG_ADMIN=${TUNEFLEET_BENCH_PG:-postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
log() { printf 'drain: %s\n' "$*" >&2; }
die() { printf 'drain: error: %s\n' "$*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --jobs) JOBS=$2; shift 2 ;;
    --processes) PROCESSES=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --no-raw) RAW=0; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --max-load) MAX_LOAD=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --drop-builder-queues) DROP_BUILDER_QUEUES=1; shift ;;
    --noop-env) [[ $2 == TUNEFLEET_*=* ]] || die "--noop-env takes TUNEFLEET_NAME=VALUE"; NOOP_ENV+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ $JOBS =~ ^[0-9]+$ && $JOBS -gt 0 ]] || die "--jobs must be a positive integer"
[[ $REPEAT =~ ^[0-9]+$ && $REPEAT -gt 0 ]] || die "--repeat must be a positive integer"
[[ $TIMEOUT =~ ^[0-9]+$ && $TIMEOUT -gt 0 ]] || die "--timeout must be a positive integer"
[[ $PROCESSES =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--processes must look like 1,2"
IFS=, read -r -a PROC_COUNTS <<<"$PROCESSES"

# Loopback only: never point a benchmark at a shared or remote broker or database.
for url in "$AMQP_BASE" "$MGMT" "$PG_ADMIN"; do
  host=$(sed -E 's#^[a-z]+://([^@/]*@)?([^:/?]+).*#\2#' <<<"$url")
  [[ $host == 127.0.0.1 || $host == localhost ]] || die "endpoint host '$host' is not loopback"
done

BIN=$BUILD_DIR/bin
for tool in tunefleet tunefleet-noop bench-prefill bench-wait-rows bench-raw-reference; do
  [[ -x $BIN/$tool ]] || die "$BIN/$tool is missing; build it: cmake -S . -B build/bench -G Ninja" \
    "-DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build/bench -j2 --target noop_worker tunefleet_cli" \
    "bench_prefill bench_wait_rows bench_raw_reference"
done
[[ -n $RESULTS ]] || RESULTS=$(mktemp "${TMPDIR:-/tmp}/drain-results.XXXXXX.tsv")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/drain.XXXXXX")

# ------------------------------------------------------------------------- cleanup (trap)

PIDS=()       # consumers of the current run
VHOST=""      # current run's vhost and database, dropped by cleanup_run
DB=""

stop_pids() {
  local pid deadline
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 30))
  for pid in "${PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop within 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

mgmt() {  # mgmt METHOD PATH [BODY]: prints the HTTP status
  curl -sS -o /dev/null -w '%{http_code}' --max-time 30 -X "$1" -H 'content-type: application/json' \
    ${3:+--data "$3"} "$MGMT/api$2"
}

cleanup_run() {
  stop_pids
  if [[ -n $VHOST ]]; then
    local status
    status=$(mgmt DELETE "/vhosts/$VHOST" || true)
    [[ $status == 204 || $status == 404 ]] || log "could not delete vhost $VHOST (HTTP $status)"
    VHOST=""
  fi
  if [[ -n $DB ]]; then
    # Plain DROP: our own connections are closed by now, and PostgreSQL itself stops an
    # autovacuum worker busy in the database (WITH (FORCE) would refuse: it is not our role's).
    local try
    for try in 1 2 3 4 5; do
      timeout 60 psql "$PG_ADMIN" -qAtX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 &&
        break
      ((try == 5)) && log "could not drop database $DB"
      sleep 2
    done
    DB=""
  fi
}

on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  cleanup_run
  rm -rf "$WORK"
  exit "$rc"
}
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ------------------------------------------------------------------------------ helpers

dsn_for() { sed -E "s#/[^/?]*(\?|$)#/$1\1#" <<<"$PG_ADMIN"; }  # same server, database $1

load1() { cut -d' ' -f1 /proc/loadavg; }

# Wait (at most 180 s) until the 1-minute load is below --max-load, so runs start quiet.
wait_quiet() {
  [[ -n $MAX_LOAD ]] || return 0
  local deadline=$((SECONDS + 180))
  while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }' && ((SECONDS < deadline)); do
    sleep 5
  done
}

# "rss_kb cpu_seconds" of a live process: VmHWM and utime+stime.
proc_stats() {
  local pid=$1 hwm ticks
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
  # Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
  ticks=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
  echo "$hwm $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')"
}

# CPU seconds of every client backend connected to database $1 (the consumers' connections).
backend_cpu() {
  local pids pid total=0 ticks
  pids=$(psql "$(dsn_for "$1")" -qAtX -c \
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
       AND backend_type = 'client backend' AND pid <> pg_backend_pid()" 2>/dev/null || true)
  for pid in $pids; do
    ticks=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }') || continue
    total=$((total + ${ticks:-0}))
  done
  awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

rabbit_cpu_ticks() {
  local pid
  pid=$(pgrep -o -x beam.smp || true)
  [[ -n $pid ]] || { echo 0; return; }
  sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'
}

# Waits until tunefleet.noop has $1 consumers (the workers declared the topology), then deletes
# the builder queues (--drop-builder-queues).
drop_builder_queues() {
  local want=$1 consumers deadline=$((SECONDS + 30)) q
  while ((SECONDS < deadline)); do
    consumers=$(curl -sS --max-time 5 "$MGMT/api/queues/$VHOST/tunefleet.noop" | jq -r '.consumers // 0' || echo 0)
    ((consumers >= want)) && break
    sleep 0.05
  done
  for q in tunefleet.recommend tunefleet.features; do
    [[ $(mgmt DELETE "/queues/$VHOST/$q") == 204 ]] || log "could not delete $q"
  done
}

# run_one MODE PROCS REP: one measured drain; appends a line to $RESULTS.
run_one() {
  local mode=$1 procs=$2 rep=$3 tag url dsn start wait_out elapsed rate i stats rss cpu pgcpu
  local load_before load_after rabbit_before rabbit_after rabbit_cpu tracks sources
  tag="bench_drain_$$_${mode}${procs}_r${rep}"
  VHOST=$tag
  DB=$tag
  url="$AMQP_BASE/$VHOST"
  dsn=$(dsn_for "$DB")

  [[ $(mgmt PUT "/vhosts/$VHOST" '{}') =~ ^20[14]$ ]] || die "cannot create vhost $VHOST"
  [[ $(mgmt PUT "/permissions/$VHOST/guest" '{"configure":".*","write":".*","read":".*"}') =~ ^20[14]$ ]] ||
    die "cannot grant guest on vhost $VHOST"
  timeout 60 psql "$PG_ADMIN" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $DB" >/dev/null ||
    die "cannot create database $DB"
  TUNEFLEET_PG_DSN=$dsn timeout 120 "$BIN/tunefleet" migrate >"$WORK/migrate.log" 2>&1 ||
    { cat "$WORK/migrate.log" >&2; die "migrate failed"; }
  log "[$rep/$REPEAT] $mode x$procs: prefilling $JOBS jobs"
  timeout "$TIMEOUT" "$BIN/bench-prefill" --url "$url" --jobs "$JOBS" >&2 || die "prefill failed"

  wait_quiet
  load_before=$(load1)
  rabbit_before=$(rabbit_cpu_ticks)
  start=$(date +%s.%N)
  for ((i = 0; i < procs; i++)); do
    if [[ $mode == raw ]]; then
      "$BIN/bench-raw-reference" --url "$url" --dsn "$dsn" --prefetch 1000 --batch 500 \
        >"$WORK/$mode-$i.log" 2>&1 &
    else
      env TUNEFLEET_AMQP_URL="$url" TUNEFLEET_PG_DSN="$dsn" TUNEFLEET_METRICS_PORT=0 TUNEFLEET_LOG_LEVEL=warn \
        ${NOOP_ENV[@]+"${NOOP_ENV[@]}"} "$BIN/tunefleet-noop" >"$WORK/$mode-$i.log" 2>&1 &
    fi
    PIDS+=("$!")
  done
  if ((DROP_BUILDER_QUEUES)) && [[ $mode != raw ]]; then drop_builder_queues "$procs"; fi
  if ! wait_out=$("$BIN/bench-wait-rows" --dsn "$dsn" --rows "$JOBS" --since "$start" --interval-ms 100 \
                  --timeout "$TIMEOUT"); then
    for ((i = 0; i < procs; i++)); do tail -n 20 "$WORK/$mode-$i.log" >&2 || true; done
    die "$mode x$procs did not commit $JOBS rows within $TIMEOUT s ($wait_out)"
  fi
  elapsed=${wait_out%% *}
  load_after=$(load1)
  rabbit_after=$(rabbit_cpu_ticks)
  rss="" cpu=""
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "consumer pid $pid exited early"
    stats=$(proc_stats "$pid")
    rss+="${rss:+,}${stats% *}"
    cpu+="${cpu:+,}${stats#* }"
  done
  pgcpu=$(backend_cpu "$DB")
  rabbit_cpu=$(awk -v t="$((rabbit_after - rabbit_before))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.2f", t / hz }')
  stop_pids
  read -r tracks sources < <(psql "$dsn" -qAtX -F' ' -c \
    "SELECT (SELECT count(*) FROM tracks), (SELECT count(*) FROM track_sources)")
  [[ $tracks == "$JOBS" && $sources == "$JOBS" ]] ||
    die "$mode x$procs: expected $JOBS tracks and sources, found $tracks and $sources"
  rate=$(awk -v n="$JOBS" -v s="$elapsed" 'BEGIN { printf "%.0f", n / s }')
  log "[$rep/$REPEAT] $mode x$procs: $JOBS jobs in ${elapsed}s = $rate jobs/s; rss_kb $rss; cpu_s $cpu;" \
    "pg_backend_cpu_s $pgcpu; rabbitmq_cpu_s $rabbit_cpu; load $load_before -> $load_after"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$procs" "$rep" "$JOBS" "$elapsed" "$rate" \
    "$rss" "$cpu" "$pgcpu" "$rabbit_cpu" "$load_before" "$load_after" >>"$RESULTS"
  cleanup_run
}

# ---------------------------------------------------------------------------------- main

printf 'mode\tprocs\trep\tjobs\tseconds\tjobs_per_s\trss_kb\tcpu_s\tpg_backend_cpu_s\trabbitmq_cpu_s\tload_before\tload_after\n' \
  >"$RESULTS"
log "$(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); results in $RESULTS"
for ((rep = 1; rep <= REPEAT; rep++)); do
  if ((RAW)); then run_one raw 1 "$rep"; fi
  for procs in "${PROC_COUNTS[@]}"; do run_one noop "$procs" "$rep"; done
done

# Medians per configuration. RSS: the largest process of a run; CPU: summed over processes.
summary() {
  awk -F'\t' 'NR > 1 {
      key = $1 " x" $2
      n = split($7, r, ","); max = 0; for (i = 1; i <= n; i++) if (r[i] + 0 > max) max = r[i] + 0
      n = split($8, c, ","); sum = 0; for (i = 1; i <= n; i++) sum += c[i]
      print key "\t" $6 "\t" max / 1024 "\t" sum "\t" $9 "\t" $10 "\t" $11 "\t" $5
    }' "$RESULTS" |
    sort -t$'\t' -k1,1 -k2,2n |
    awk -F'\t' '
      function median(list, count,   a, n, i, j, t) {
        n = split(list, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
      }
      { k = $1; if (!(k in rate)) order[++keys] = k
        rate[k] = rate[k] " " $2; rss[k] = rss[k] " " $3; cpu[k] = cpu[k] " " $4; pg[k] = pg[k] " " $5
        rb[k] = rb[k] " " $6; ld[k] = ld[k] " " $7; runs[k]++ }
      END {
        printf "| configuration | jobs/s (median of %d) | runs (jobs/s) | peak RSS per process, MB | worker CPU s | PG backend CPU s | RabbitMQ CPU s | load at start |\n", runs[order[1]]
        print "|---|---|---|---|---|---|---|---|"
        for (i = 1; i <= keys; i++) { k = order[i]
          printf "| %s | %d | %s | %.1f | %.1f | %.1f | %.1f | %s |\n", k, median(rate[k]), substr(rate[k], 2),
            median(rss[k]), median(cpu[k]), median(pg[k]), median(rb[k]), substr(ld[k], 2) }
        if (("raw x1" in rate) && ("noop x1" in rate))
          printf "\nnoop x1 / raw: %.2f\n", median(rate["noop x1"]) / median(rate["raw x1"])
      }'
}
summary
log "per-run results: $RESULTS"
