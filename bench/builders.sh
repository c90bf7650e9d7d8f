#!/usr/bin/env bash
# The builders' benchmark (docs/BENCHMARKS.md, "Builders: rebuild and export").
#
#   bench/builders.sh [--tracks 100000] [--repeat 3] [--chunk 500] [--build-dir build/bench]
#
# Creates a private database, migrates it, loads a synthetic catalog of N tracks
# (bench/builders/synthetic_catalog.sql: fixed seed, Zipf-like genres, moods, audio features
# on ~70 %), then, --repeat times each:
#   - tunefleet-features' builder rebuilds every track in chunks of --chunk ids (bench-rebuild,
#     the same Rebuild call the runtime makes for one window), then
#   - tunefleet-recommend's builder does the same (candidates through the GIN indexes, top 20),
#   - `tunefleet export features` and `tunefleet export tracks` write CSV files.
# Every run prints wall seconds, tracks (or rows) per second, this process's CPU seconds and
# the CPU seconds PostgreSQL's processes spent meanwhile (from /proc), side by side. The
# summary gives medians. The exports of every repetition must be byte-identical (checked).
#
# Loopback only (the stack's PostgreSQL); bounded by --tracks and --repeat; the trap drops the
# database, also on failure or Ctrl-C.
#
# Environment (defaults = scripts/stack):
#   TUNEFLEET_BENCH_PG   [postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet]
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
TRACKS=100000
REPEAT=3
CHUNK=500
BUILD_DIR=$REPO_ROOT/build/bench
PG_ADMIN=${TUNEFLEET_BENCH_PG:-postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
log() { printf 'builders: %s\n' "$*" >&2; }
die() { printf 'builders: error: %s\n' "$*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --tracks) TRACKS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --chunk) CHUNK=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case $PG_ADMIN in *@127.0.0.1:*|*@localhost:*|*@localhost/*) ;; *) die "TUNEFLEET_BENCH_PG must point at loopback" ;; esac

BIN=$BUILD_DIR/bin
for b in bench-rebuild tunefleet; do
  [[ -x $BIN/$b ]] || die "$BIN/$b is missing: cmake --preset bench && cmake --build --preset bench --target bench_rebuild tunefleet_cli"
done

DB=tf_bench_builders_$$
DSN="${PG_ADMIN%/*}/$DB"
WORK=$(mktemp -d)
cleanup() {
  psql -qX "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# CPU seconds (user+system) of every postgres process, from /proc (clock ticks / CLK_TCK),
# including the exited children the postmaster reaped (cutime+cstime): a benchmark's own
# backend is gone by the time the second reading is taken.
pg_cpu() {
  local ticks=0 pid stat
  for pid in $(pgrep -x postgres || true); do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    set -- $stat
    ticks=$((ticks + ${12} + ${13} + ${14} + ${15}))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

log "database $DB: migrate and load $TRACKS synthetic tracks"
psql -qX "$PG_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
TUNEFLEET_PG_DSN=$DSN "$BIN/tunefleet" migrate >/dev/null
t0=$(now)
psql -qX "$DSN" -v tracks="$TRACKS" -f "$SCRIPT_DIR/builders/synthetic_catalog.sql" >/dev/null
log "loaded in $(elapsed "$t0" "$(now)") s"

RESULTS=$WORK/results.tsv
for run in $(seq "$REPEAT"); do
  for builder in features recommend; do
    pg0=$(pg_cpu)
    line=$("$BIN/bench-rebuild" --builder "$builder" --dsn "$DSN" --chunk "$CHUNK" 2>/dev/null)
    pg1=$(pg_cpu)
    pg=$(awk -v a="$pg0" -v b="$pg1" 'BEGIN { printf "%.2f", b - a }')
    log "run $run: $line pg_cpu_s=$pg"
    rate=$(sed 's/.*tracks_per_s=\([0-9.]*\).*/\1/' <<<"$line")
    wall=$(sed 's/.*wall_s=\([0-9.]*\).*/\1/' <<<"$line")
    cpu=$(sed 's/.*cpu_s=\([0-9.]*\).*/\1/' <<<"$line")
    printf 'rebuild-%s\t%s\t%s\t%s\t%s\n' "$builder" "$wall" "$rate" "$cpu" "$pg" >>"$RESULTS"
  done
  for what in features tracks; do
    pg0=$(pg_cpu)
    t0=$(now)
    /usr/bin/time -f '%U %S' -o "$WORK/time" \
      env TUNEFLEET_PG_DSN="$DSN" "$BIN/tunefleet" export "$what" --out "$WORK/$what-$run.csv" 2>/dev/null
    t1=$(now)
    pg1=$(pg_cpu)
    rows=$(($(wc -l <"$WORK/$what-$run.csv") - 1))
    wall=$(elapsed "$t0" "$t1")
    cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$WORK/time")
    pg=$(awk -v a="$pg0" -v b="$pg1" 'BEGIN { printf "%.2f", b - a }')
    rate=$(awk -v r="$rows" -v w="$wall" 'BEGIN { printf "%.0f", r / w }')
    log "run $run: export $what rows=$rows wall_s=$wall rows_per_s=$rate cpu_s=$cpu pg_cpu_s=$pg"
    printf 'export-%s\t%s\t%s\t%s\t%s\n' "$what" "$wall" "$rate" "$cpu" "$pg" >>"$RESULTS"
    if [[ $run -gt 1 ]] && ! cmp -s "$WORK/$what-1.csv" "$WORK/$what-$run.csv"; then
      die "export $what of run $run differs from run 1"
    fi
  done
done

shape=$(head -1 "$WORK/features-1.csv" | awk -F, '{ print NF }')
echo
echo "builders benchmark: $TRACKS synthetic tracks, chunks of $CHUNK ids, $REPEAT runs (medians)"
printf '%-18s %10s %14s %12s %12s\n' step wall_s per_s cpu_s pg_cpu_s
for step in rebuild-features rebuild-recommend export-features export-tracks; do
  printf '%-18s %10s %14s %12s %12s\n' "$step" \
    "$(awk -v s="$step" '$1 == s { print $2 }' "$RESULTS" | median)" \
    "$(awk -v s="$step" '$1 == s { print $3 }' "$RESULTS" | median)" \
    "$(awk -v s="$step" '$1 == s { print $4 }' "$RESULTS" | median)" \
    "$(awk -v s="$step" '$1 == s { print $5 }' "$RESULTS" | median)"
done
echo "feature matrix: $TRACKS rows x $shape columns (track_id included); exports identical across runs"
