#!/usr/bin/env bash
# Integration test of the Grafana "Catalog" dashboard (deploy/grafana/dashboards/catalog.json)
# against a real database with data, as dashboards_test.sh does for the Prometheus panels:
# every SQL panel's rawSql runs as the read-only role tunefleet_reader (the role of the
# provisioned datasource, deploy/grafana/provisioning/datasources/catalog-postgres.yml) on a
# migrated database holding the synthetic catalog (bench/stats/synthetic_catalog.sql, 5,000
# tracks) plus commits of the last hour, and must return rows; and the panels show the same
# figures as `tunefleet stats --json` (one source of truth: the catalog_stats_* views).
#
#   catalog_dashboard_test.sh BINARY_DIR
#
# Isolation: a database of its own (dropped at the end). Ends with "N passed, M failed".
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BIN=${1:?usage: catalog_dashboard_test.sh BINARY_DIR}/bin
PY=/usr/bin/python3
ADMIN=${TUNEFLEET_PG_ADMIN_DSN:-postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet}
OWNER=${TUNEFLEET_PG_OWNER_DSN:-postgresql://tunefleet_owner:tunefleet_owner@127.0.0.1:35432/tunefleet}
READER=${TUNEFLEET_PG_READER_DSN:-postgresql://tunefleet_reader:tunefleet_reader@127.0.0.1:35432/tunefleet}
DASHBOARD=$REPO_ROOT/deploy/grafana/dashboards/catalog.json

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
finish() { echo "$passed passed, $failed failed"; [[ $failed -eq 0 ]]; exit $?; }
die() { fail "$*"; finish; }

db=tf_catalog_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
work=$(mktemp -d /tmp/tunefleet-catalog.XXXXXX)
cleanup() {
  psql -qX "$ADMIN" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

[[ -x $BIN/tunefleet ]] || die "$BIN/tunefleet not built"
psql -qX "$ADMIN" -c "CREATE DATABASE $db OWNER tunefleet_owner" >/dev/null || die "cannot create database $db"
TUNEFLEET_PG_DSN="${OWNER%/*}/$db" TUNEFLEET_MIGRATIONS_DIR=$REPO_ROOT/migrations "$BIN/tunefleet" migrate \
  >"$work/migrate.log" 2>&1 || die "tunefleet migrate failed: $(tail -n 2 "$work/migrate.log")"
psql -qX "${OWNER%/*}/$db" -v tracks=5000 -f "$REPO_ROOT/bench/stats/synthetic_catalog.sql" >"$work/load.log" 2>&1 ||
  die "loading the synthetic catalog failed: $(tail -n 2 "$work/load.log")"
psql -qX "${OWNER%/*}/$db" -c "INSERT INTO job_commits (provider, committed_at, job_ids, followup_ids)
  VALUES ('spotify', now() - interval '5 minutes', '{a,b}', '{1,1}')" >/dev/null || die "inserting job_commits failed"
ok "database $db: migrated, 5,000 synthetic tracks"

# Every SQL panel as the reader: one line per panel, "id<TAB>rows<TAB>first row as JSON" or an error.
export READER_DB="${READER%/*}/$db"
"$PY" - "$DASHBOARD" >"$work/panels.out" 2>&1 <<'PYEOF'
import json, os, subprocess, sys
d = json.load(open(sys.argv[1]))
for p in d["panels"]:
    for t in p.get("targets", []):
        if "rawSql" not in t:
            continue
        # Grafana's PostgreSQL datasource runs rawSql as given (these panels use no macros).
        r = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", os.environ["READER_DB"], "-c",
                            f"SELECT coalesce(json_agg(q), '[]') FROM ({t['rawSql']}) q"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{p['id']}\tERROR\t{p['title']}: {r.stderr.strip()}")
        else:
            rows = json.loads(r.stdout)
            print(f"{p['id']}\t{len(rows)}\t{json.dumps(rows)}")
PYEOF
panels=$(grep -c . "$work/panels.out")
[[ $panels -ge 10 ]] || fail "expected at least 10 SQL panels in catalog.json, ran $panels"
while IFS=$'\t' read -r id rows data; do
  title=$("$PY" -c 'import json,sys; print(next(p["title"] for p in json.load(open(sys.argv[1]))["panels"] if p["id"] == int(sys.argv[2])))' "$DASHBOARD" "$id")
  if [[ $rows == ERROR ]]; then
    fail "panel $id \"$title\": $data"
  elif [[ $rows -eq 0 ]]; then
    fail "panel $id \"$title\": no rows"
  else
    ok "panel $id \"$title\": $rows rows as tunefleet_reader"
  fi
done <"$work/panels.out"

# The same figures as `tunefleet stats --json` (run as the reader too).
TUNEFLEET_PG_DSN=$READER_DB "$BIN/tunefleet" stats --json --top 20 --no-dead-letters >"$work/stats.json" 2>"$work/stats.err" ||
  die "tunefleet stats failed: $(cat "$work/stats.err")"
if "$PY" - "$DASHBOARD" "$work/panels.out" "$work/stats.json" >"$work/compare.out" 2>&1 <<'PYEOF'
import json, sys
titles = {p["id"]: p["title"] for p in json.load(open(sys.argv[1]))["panels"]}
panel = {titles[int(line.split("\t")[0])]: json.loads(line.rstrip("\n").split("\t")[2])
         for line in open(sys.argv[2]) if line.split("\t")[1] != "ERROR"}
s = json.load(open(sys.argv[3]))
checks = [
    ("Tracks", [r["tracks"] for r in panel["Tracks"]], [s["tracks"]]),
    ("Albums", [r["albums"] for r in panel["Albums"]], [s["albums"]]),
    ("Tracks with audio features", [r["tracks_with_audio_features"] for r in panel["Tracks with audio features"]], [s["tracks_with_audio_features"]]),
    ("Tracks by providers", [[int(r["providers"]), r["tracks"]] for r in panel["Tracks by providers that stored them"]],
     [[b["providers"], b["tracks"]] for b in s["tracks_by_providers"]]),
    ("Albums by providers", [[int(r["providers"]), r["albums"]] for r in panel["Albums by providers that stored them"]],
     [[b["providers"], b["albums"]] for b in s["albums_by_providers"]]),
    ("Coverage", sorted([r["provider"], r["entity"], r["stored"], r["not_found"]] for r in panel["Coverage per provider"]),
     sorted([c["provider"], e[:-1], c[e]["stored"], c[e]["not_found"]] for c in s["coverage"] for e in ("tracks", "albums")
            if c[e]["stored"] or c[e]["not_found"])),
    ("Top genres", [[r["genre"], r["tracks"], r["share"]] for r in panel["Genre shares"]],
     [[g["genre"], g["tracks"], g["share"]] for g in s["genres"]["top"]]),
    ("Top moods", [[r["mood"], r["tracks"], r["share"]] for r in panel["Mood shares"]],
     [[m["mood"], m["tracks"], m["share"]] for m in s["moods"]["top"]]),
    ("Feature matrix", [[r["version"], r["rows"], r["missing_cells"], r["missing_share"]] for r in panel["Feature matrix per vocabulary version"]],
     [[v["version"], v["rows"], v["missing_cells"], v["missing_share"]] for v in s["feature_matrix"]]),
    ("Jobs committed", [[r["provider"], r["jobs_last_hour"], r["jobs_last_day"]] for r in panel["Jobs committed: last hour and day"]],
     [[r["provider"], r["jobs_last_hour"], r["jobs_last_day"]] for r in s["enrichment_rate"]]),
]
bad = [f"{name}: panel {got} != stats {want}" for name, got, want in checks if got != want]
print("\n".join(bad) if bad else f"{len(checks)} figures equal")
sys.exit(1 if bad else 0)
PYEOF
then
  ok "the panels show what tunefleet stats --json prints: $(tail -n 1 "$work/compare.out")"
else
  fail "panels and tunefleet stats differ: $(cat "$work/compare.out")"
fi

# The reader cannot change anything through the datasource (Grafana runs any SQL it is given).
if psql -qAtX "$READER_DB" -c "DELETE FROM catalog_counter_deltas" >/dev/null 2>&1; then
  fail "tunefleet_reader could DELETE FROM catalog_counter_deltas"
else
  ok "tunefleet_reader cannot write the counters"
fi
finish
