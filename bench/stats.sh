#!/usr/bin/env bash
# The catalog stats benchmark (docs/BENCHMARKS.md, "Catalog stats").
#
#   bench/stats.sh [--tracks 1000000] [--repeat 7] [--write-seconds 20] [--build-dir build/debug]
#
# Creates a scratch database, migrates it (0008_catalog_stats's counters and views included),
# loads the synthetic catalog of bench/stats/synthetic_catalog.sql (N tracks, ~3.3 N track
# sources, N/10 albums, 0.9 N feature rows, job_commits over 30 days; the load itself goes
# through the counters' triggers) and ANALYZEs it. Then:
#   1. each query `tunefleet stats` runs (the catalog_stats_* views), --repeat times as the
#      read-only role, server time from psql's \timing; and `tunefleet stats --json` end to end;
#   2. what the whole-catalog figures would cost without the counters (the same figure computed
#      from the base tables), 3 times each;
#   3. the write side: the counters' triggers' own time per 50-row statement (EXPLAIN ANALYZE,
#      10 x --repeat statements each: an UPDATE of 50 tracks' genres, an upsert of 50
#      track_sources flipping their statuses); then pgbench, 2 clients for --write-seconds, each
#      transaction such a batch, with the counters' triggers enabled and then disabled
#      (ALTER TABLE ... DISABLE TRIGGER USER).
# Prints medians. Loopback only; the trap drops the database, also on failure or Ctrl-C.
#
# Environment (defaults = scripts/stack): TUNEFLEET_PG_ADMIN_DSN, TUNEFLEET_PG_OWNER_DSN,
# TUNEFLEET_PG_READER_DSN (their database part is replaced by the scratch database's).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
TRACKS=1000000
REPEAT=7
WRITE_SECONDS=20
BUILD_DIR=$REPO_ROOT/build/debug
ADMIN=${TUNEFLEET_PG_ADMIN_DSN:-postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet}
OWNER=${TUNEFLEET_PG_OWNER_DSN:-postgresql://tunefleet_owner:tunefleet_owner@127.0.0.1:35432/tunefleet}
READER=${TUNEFLEET_PG_READER_DSN:-postgresql://tunefleet_reader:tunefleet_reader@127.0.0.1:35432/tunefleet}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
log() { printf 'stats: %s\n' "$*" >&2; }
die() { printf 'stats: error: %s\n' "$*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --tracks) TRACKS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --write-seconds) WRITE_SECONDS=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case $ADMIN in *@127.0.0.1:*|*@localhost:*|*@localhost/*) ;; *) die "TUNEFLEET_PG_ADMIN_DSN must point at loopback" ;; esac
TUNEFLEET=$BUILD_DIR/bin/tunefleet
[[ -x $TUNEFLEET ]] || die "$TUNEFLEET is missing: cmake --build $BUILD_DIR --target tunefleet_cli"

DB=tf_bench_stats_$$
ADMIN_DB="${ADMIN%/*}/$DB"
OWNER_DB="${OWNER%/*}/$DB"
READER_DB="${READER%/*}/$DB"
WORK=$(mktemp -d)
cleanup() {
  psql -qX "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Server time of one statement in ms (psql's \timing), as role DSN $1.
server_ms() { psql -qAtX "$1" -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }

log "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
psql -qX "$ADMIN" -c "CREATE DATABASE $DB OWNER tunefleet_owner" >/dev/null
TUNEFLEET_PG_DSN=$OWNER_DB TUNEFLEET_MIGRATIONS_DIR=$REPO_ROOT/migrations "$TUNEFLEET" migrate >/dev/null
log "loading $TRACKS tracks (bench/stats/synthetic_catalog.sql) ..."
start=$(date +%s.%N)
psql -qX "$OWNER_DB" -v tracks="$TRACKS" -f "$SCRIPT_DIR/stats/synthetic_catalog.sql" >"$WORK/load.log" 2>&1 ||
  { cat "$WORK/load.log" >&2; die "load failed"; }
log "loaded in $(printf '%.0f' "$(echo "$(date +%s.%N) - $start" | bc)") s; $(psql -qAtX "$OWNER_DB" -c \
  "SELECT count(*) || ' track_sources, ' || (SELECT count(*) FROM catalog_counter_deltas) || ' counter rows' FROM track_sources")"

printf '\n%-58s %10s\n' "query (as tunefleet_reader; median of $REPEAT, server ms)" "ms"
queries=(
  "SELECT * FROM catalog_stats_totals"
  "SELECT * FROM catalog_stats_tracks_by_providers"
  "SELECT * FROM catalog_stats_albums_by_providers"
  "SELECT * FROM catalog_stats_coverage"
  "SELECT * FROM catalog_stats_genres LIMIT 10"
  "SELECT count(*) FROM catalog_stats_genres"
  "SELECT * FROM catalog_stats_moods LIMIT 10"
  "SELECT count(*) FROM catalog_stats_moods"
  "SELECT * FROM catalog_stats_feature_matrix"
  "SELECT * FROM catalog_stats_enrichment_rate"
)
for q in "${queries[@]}"; do
  for _ in $(seq "$REPEAT"); do server_ms "$READER_DB" "$q"; done >"$WORK/t"
  printf '%-58s %10s\n' "${q#"SELECT * FROM "}" "$(median <"$WORK/t")"
done
for _ in $(seq "$REPEAT"); do
  s=$(date +%s%N)
  TUNEFLEET_PG_DSN=$READER_DB "$TUNEFLEET" stats --json --no-dead-letters >/dev/null
  echo "scale=1; ($(date +%s%N) - $s) / 1000000" | bc
done >"$WORK/t"
printf '%-58s %10s\n' "tunefleet stats --json (whole process, wall)" "$(median <"$WORK/t")"

printf '\n%-58s %10s\n' "the same figures from the base tables (median of 3, ms)" "ms"
direct=(
  "genres|SELECT g, count(*) FROM tracks, unnest(genres) g GROUP BY g ORDER BY 2 DESC LIMIT 10"
  "moods|SELECT m, count(*) FROM tracks, unnest(moods) m GROUP BY m ORDER BY 2 DESC LIMIT 10"
  "tracks by providers|SELECT n, count(*) FROM (SELECT track_id, count(*) AS n FROM track_sources WHERE status = 'ok' GROUP BY track_id) x GROUP BY n"
  "coverage|SELECT provider, status, count(*) FROM track_sources GROUP BY 1, 2"
  "tracks with audio features|SELECT count(*) FROM tracks WHERE audio_features IS NOT NULL"
  "feature matrix missing share|SELECT vocabulary_version, sum(cardinality(missing)), sum((SELECT count(*) FROM unnest(missing) m WHERE m)) FROM track_features GROUP BY 1"
)
for entry in "${direct[@]}"; do
  for _ in 1 2 3; do server_ms "$READER_DB" "${entry#*|}"; done >"$WORK/t"
  printf '%-58s %10s\n' "${entry%%|*}" "$(median <"$WORK/t")"
done

cat >"$WORK/batch.sql" <<SQL
\set s random(1, $((TRACKS - 50)))
BEGIN;
UPDATE tracks SET genres = CASE WHEN genres @> '{rock}' THEN array_remove(genres, 'rock') ELSE genres || '{rock}'::text[] END,
                  updated_at = now() WHERE id BETWEEN :s AND :s + 49;
INSERT INTO track_sources (track_id, provider, status, fetched_at)
SELECT id, 'bench', CASE WHEN random() < 0.1 THEN 'not_found' ELSE 'ok' END, now() FROM generate_series(:s, :s + 49) id
ON CONFLICT (track_id, provider) DO UPDATE SET status = EXCLUDED.status, fetched_at = EXCLUDED.fetched_at;
END;
SQL
write_run() {
  pgbench -n -c 2 -j 2 -T "$WRITE_SECONDS" --max-tries 10 -f "$WORK/batch.sql" "$OWNER_DB" 2>/dev/null |
    awk '/latency average/ { lat = $4 } /^tps/ { tps = $3 } END { printf "%s tx/s, %s ms per batch\n", tps, lat }'
}
# The triggers' own time inside the server: EXPLAIN ANALYZE reports each trigger's time per
# statement (pgbench's latencies below swing with the machine's load; this does not).
python3 - "$OWNER_DB" "$TRACKS" "$REPEAT" <<'PYEOF'
import json, random, statistics, subprocess, sys
dsn, tracks, n = sys.argv[1], int(sys.argv[2]), 10 * int(sys.argv[3])
random.seed(1)
script = []
for _ in range(n):
    s = random.randint(1, tracks - 60)
    script.append(f"""BEGIN;
EXPLAIN (ANALYZE, FORMAT JSON) UPDATE tracks SET genres = CASE WHEN genres @> '{{rock}}' THEN array_remove(genres, 'rock') ELSE genres || '{{rock}}'::text[] END WHERE id BETWEEN {s} AND {s + 49};
EXPLAIN (ANALYZE, FORMAT JSON) INSERT INTO track_sources (track_id, provider, status, fetched_at) SELECT id, 'bench', CASE WHEN id % 10 = 0 THEN 'not_found' ELSE 'ok' END, now() FROM generate_series({s}, {s + 49}) id ON CONFLICT (track_id, provider) DO UPDATE SET status = CASE WHEN track_sources.status = 'ok' THEN 'not_found' ELSE 'ok' END;
COMMIT;""")
out = subprocess.run(["psql", "-qAtX", dsn], input="\n".join(script), capture_output=True, text=True, check=True).stdout
docs, buf = [], ""
for line in out.splitlines():
    buf += line
    try:
        docs.append(json.loads(buf)); buf = ""
    except json.JSONDecodeError:
        pass
print(f"\ncounter triggers per statement (EXPLAIN ANALYZE, median of {n}, ms): statement / of which triggers")
for name, ds in (("UPDATE 50 tracks (genres change)", docs[0::2]), ("upsert 50 track_sources (statuses flip)", docs[1::2])):
    total = [d[0]["Execution Time"] for d in ds]
    trig = [sum(t["Time"] for t in d[0].get("Triggers", []) if not t["Trigger Name"].startswith("RI_")) for d in ds]
    print(f"  {name:<42} {statistics.median(total):6.2f} / {statistics.median(trig):5.2f}")
PYEOF

printf '\nwrite side: pgbench, 2 clients x %s s, a batch = UPDATE 50 tracks + upsert 50 track_sources\n' "$WRITE_SECONDS"
printf '  %-20s %s\n' "triggers enabled" "$(write_run)"
psql -qX "$OWNER_DB" -c "ALTER TABLE tracks DISABLE TRIGGER USER" -c "ALTER TABLE track_sources DISABLE TRIGGER USER" >/dev/null
printf '  %-20s %s\n' "triggers disabled" "$(write_run)"
log "machine load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
