#!/usr/bin/env bash
# Integration test of deploy/prometheus and deploy/grafana against a live fleet: a real
# Prometheus (Debian's binary, its own data folder, scrape_interval 1s, the repository's
# alerts.yml loaded) scrapes provider-sim-backed tunefleet-spotify and tunefleet-lastfm
# workers, a tunefleet-noop worker, the two builders tunefleet-recommend and
# tunefleet-features (fed by the workers' follow-ups) and the private stack's RabbitMQ
# prometheus plugin (/metrics/per-object, like deploy/prometheus/prometheus.yml). A few
# hundred jobs (and a few invalid messages, for dead letters of workers and builders) are
# published; then every template variable and every panel query of every dashboard must
# return data through /api/v1/query, and every alert rule must evaluate without error.
#
#   dashboards_test.sh BINARY_DIR
#
# Isolation: its own vhost tf_obs_<random> and database (deleted at the end), Redis db 12,
# free loopback ports. Ends with one line "N passed, M failed"; non-zero exit on failure.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BIN=${1:?usage: dashboards_test.sh BINARY_DIR}/bin
PY=/usr/bin/python3
API=${TUNEFLEET_RABBITMQ_API_URL:-http://guest:guest@127.0.0.1:35673}
AMQP_BASE=${TUNEFLEET_AMQP_URL:-amqp://guest:guest@127.0.0.1:35672/%2f}
AMQP_BASE=${AMQP_BASE%/*}
# The administrator (CREATEDB): TUNEFLEET_PG_ADMIN_DSN from scripts/stack, else an older stack's TUNEFLEET_PG_DSN.
PG_DSN=${TUNEFLEET_PG_ADMIN_DSN:-${TUNEFLEET_PG_DSN:-postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet}}
REDIS_URL=${TUNEFLEET_REDIS_URL:-redis://127.0.0.1:36379/0}
RMQ_PROM_PORT=${TUNEFLEET_RABBITMQ_PROMETHEUS_PORT:-35692}
JOBS=150           # tracks, each published to spotify, lastfm and noop
DEADLINE=90        # seconds for every query to have data

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
finish() { echo "$passed passed, $failed failed"; [[ $failed -eq 0 ]]; exit $?; }
die() { fail "$*"; finish; }

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
vhost=tf_obs_$suffix
db=tf_obs_$suffix
work=$(mktemp -d /tmp/tunefleet-obs.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  curl -fsS -X DELETE "$API/api/vhosts/$vhost" >/dev/null 2>&1
  psql -qX "$PG_DSN" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  if [[ $failed -gt 0 || -n ${TUNEFLEET_TEST_KEEP_LOGS:-} ]]; then
    for f in "$work"/*.log; do echo "----- tail of $f"; tail -n 15 "$f"; done
  fi
  [[ -n ${TUNEFLEET_TEST_KEEP_LOGS:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

# ------------------------------------------------------------------------------ preconditions
command -v prometheus >/dev/null || die "prometheus not installed (scripts/install-deps tools)"
for b in tunefleet tunefleet-noop tunefleet-spotify tunefleet-lastfm tunefleet-recommend tunefleet-features provider-sim; do
  [[ -x $BIN/$b ]] || die "$BIN/$b not built"
done
curl -fsS --max-time 10 "$API/api/overview" >/dev/null || die "RabbitMQ management API $API unreachable (scripts/stack up)"
curl -fsS --max-time 10 -o /dev/null "http://127.0.0.1:$RMQ_PROM_PORT/metrics" ||
  die "RabbitMQ prometheus plugin :$RMQ_PROM_PORT unreachable (scripts/stack up)"

# ------------------------------------------------------------------------------ vhost, database
curl -fsS -X PUT "$API/api/vhosts/$vhost" >/dev/null || die "cannot create vhost $vhost"
curl -fsS -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
  "$API/api/permissions/$vhost/guest" >/dev/null || die "cannot grant permissions on $vhost"
psql -qX "$PG_DSN" -c "CREATE DATABASE $db" >/dev/null || die "cannot create database $db"
export TUNEFLEET_AMQP_URL="$AMQP_BASE/$vhost"
export TUNEFLEET_PG_DSN="${PG_DSN%/*}/$db"
export TUNEFLEET_REDIS_URL="${REDIS_URL%/*}/12"
export TUNEFLEET_RABBITMQ_API_URL=$API
export TUNEFLEET_MIGRATIONS_DIR=$REPO_ROOT/migrations
export TUNEFLEET_LOG_LEVEL=warn
"$BIN/tunefleet" migrate >"$work/migrate.log" 2>&1 || die "tunefleet migrate failed"

# ------------------------------------------------------------------------------ provider-sim
sim_args=(--port 0 --log-level warn)
for p in spotify lastfm; do
  sim_args+=("--$p-rate" 500 "--$p-burst" 50 "--$p-latency-ms" 5 "--$p-error-rate" 0.05 "--$p-error-kinds" 500,503)
done
"$BIN/provider-sim" "${sim_args[@]}" >"$work/provider-sim.out" 2>"$work/provider-sim.log" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/provider-sim.out" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$work/provider-sim.out" || die "provider-sim did not start"
sim="http://127.0.0.1:$(head -1 "$work/provider-sim.out" | sed 's/.*://')"

# ------------------------------------------------------------------------------ workers
declare -A port
export TUNEFLEET_SPOTIFY_CLIENT_ID=test TUNEFLEET_SPOTIFY_CLIENT_SECRET=test-secret
export TUNEFLEET_SPOTIFY_AUTH_URL=$sim/spotify TUNEFLEET_LASTFM_API_KEY=test-key
for w in spotify lastfm noop; do
  port[$w]=$(free_port)
  upper=${w^^}
  env "TUNEFLEET_${upper}_BASE_URL=$sim/$w" "TUNEFLEET_${upper}_RATE=500" "TUNEFLEET_${upper}_BURST=50" \
    TUNEFLEET_METRICS_BIND=127.0.0.1 "TUNEFLEET_METRICS_PORT=${port[$w]}" TUNEFLEET_BATCH_SIZE=50 \
    "$BIN/tunefleet-$w" 2>"$work/tunefleet-$w.log" &
  pids+=($!)
done
# The builders: defaults but the metrics port (TUNEFLEET_BUILDER_WINDOW 1 s, so the three
# workers' follow-ups for one track usually meet in one window and are coalesced).
for b in recommend features; do
  port[$b]=$(free_port)
  env TUNEFLEET_METRICS_BIND=127.0.0.1 "TUNEFLEET_METRICS_PORT=${port[$b]}" \
    "$BIN/tunefleet-$b" 2>"$work/tunefleet-$b.log" &
  pids+=($!)
done
for w in spotify lastfm noop recommend features; do
  ready=0
  for _ in $(seq 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:${port[$w]}/readyz" 2>/dev/null && { ready=1; break; }
    sleep 0.1
  done
  [[ $ready -eq 1 ]] && ok "tunefleet-$w ready on :${port[$w]}" || die "tunefleet-$w not ready on :${port[$w]}"
done

# ------------------------------------------------------------------------------ prometheus
prom_port=$(free_port)
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $REPO_ROOT/deploy/prometheus/alerts.yml
scrape_configs:
  - job_name: tunefleet-spotify
    static_configs: [{targets: ["127.0.0.1:${port[spotify]}"]}]
  - job_name: tunefleet-lastfm
    static_configs: [{targets: ["127.0.0.1:${port[lastfm]}"]}]
  - job_name: tunefleet-noop
    static_configs: [{targets: ["127.0.0.1:${port[noop]}"]}]
  - job_name: tunefleet-recommend
    static_configs: [{targets: ["127.0.0.1:${port[recommend]}"]}]
  - job_name: tunefleet-features
    static_configs: [{targets: ["127.0.0.1:${port[features]}"]}]
  - job_name: rabbitmq
    metrics_path: /metrics/per-object
    # The per-object endpoint lists every queue of every vhost and answers slowly on a busy
    # 2-core machine: a 1 s timeout lost whole stretches of broker samples.
    scrape_interval: 2s
    scrape_timeout: 2s
    static_configs: [{targets: ["127.0.0.1:$RMQ_PROM_PORT"]}]
EOF
if promtool check config "$work/prometheus.yml" >"$work/promtool.log" 2>&1; then
  ok "generated scrape config passes promtool check config"
else
  die "generated scrape config: $(cat "$work/promtool.log")"
fi
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$prom_port"
for _ in $(seq 150); do curl -fsS -o /dev/null "$prom/-/ready" 2>/dev/null && break; sleep 0.1; done
curl -fsS -o /dev/null "$prom/-/ready" && ok "prometheus ready on :$prom_port" || die "prometheus did not become ready"

# Every target scraped a few times before the jobs arrive, so rate() over the burst has a
# sample from before it.
scraped() {
  curl -fsS "$prom/api/v1/query" --data-urlencode 'query=count(count_over_time(up[1m]) >= 3)' |
    "$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'
}
for _ in $(seq 100); do [[ $(scraped 2>/dev/null) == 6 ]] && break; sleep 0.2; done
[[ $(scraped) == 6 ]] && ok "prometheus scraped all 6 targets 3 times" || fail "prometheus has not scraped all 6 targets 3 times"

# ------------------------------------------------------------------------------ jobs
# Messages that are not JSON are dead-lettered at once (tunefleet_jobs_dead_lettered_total,
# created at the first one): one before the valid jobs and one after, so the rate has a rise.
# followup.test on tunefleet.followups reaches both builder queues.
publish_invalid() {
  local target exchange key
  for target in tunefleet.jobs/track.noop tunefleet.jobs/track.spotify tunefleet.followups/followup.test; do
    exchange=${target%/*} key=${target#*/}
    curl -fsS -X POST -H 'content-type: application/json' \
      -d "{\"properties\":{\"message_id\":\"bad-$1\"},\"routing_key\":\"$key\",\"payload\":\"not json $1\",\"payload_encoding\":\"string\"}" \
      "$API/api/exchanges/$vhost/$exchange/publish" >/dev/null || fail "publishing an invalid message to $key"
  done
}
publish_invalid 1
head -n $((JOBS + 1)) "$REPO_ROOT/data/sample/tracks.csv" >"$work/tracks.csv"
if "$BIN/tunefleet" publish "$work/tracks.csv" --kind track --providers spotify,lastfm,noop --rate 40 \
  --rejects "$work/rejects" >"$work/publish.log" 2>&1; then
  ok "published $JOBS tracks to spotify, lastfm and noop ($((JOBS * 3)) jobs, 40 per second, so the publisher's channel spans several broker scrapes)"
else
  fail "tunefleet publish: $(tail -n 3 "$work/publish.log")"
fi
publish_invalid 2

# Wait until every worker finished its jobs, so rates, histograms and dead letters exist.
value() { # value PROMQL: the first sample's value as an integer, 0 if none
  curl -fsS "$prom/api/v1/query" --data-urlencode "query=$1" |
    "$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)'
}
done_jobs() { value 'sum(tunefleet_jobs_completed_total{provider=~"spotify|lastfm|noop",outcome!="retried"})'; }
start=$SECONDS
n=0
while (( SECONDS - start < 60 )); do
  n=$(done_jobs 2>/dev/null || echo 0)
  (( n >= JOBS * 3 + 4 )) && break
  sleep 1
done
(( n >= JOBS * 3 + 4 )) && ok "prometheus saw $n jobs finished in $((SECONDS - start)) s" ||
  fail "prometheus saw only $n of $((JOBS * 3 + 4)) jobs finished after 60 s"
# ... and until each builder rebuilt every follow-up the workers published (acked as
# "rebuilt") and dead-lettered the 2 invalid ones.
followups=0 behind=1
start=$SECONDS
while (( SECONDS - start < 30 )); do
  followups=$(value 'sum(tunefleet_followups_published_total)' 2>/dev/null || echo 0)
  behind=$(value "(count(sum by (provider) (tunefleet_jobs_completed_total{provider=~\"recommend|features\",outcome=\"rebuilt\"}) >= $followups) or vector(0))
                  + (count(sum by (provider) (tunefleet_jobs_dead_lettered_total{provider=~\"recommend|features\"}) >= 2) or vector(0))" 2>/dev/null || echo 0)
  (( followups > 0 && behind == 4 )) && break
  sleep 1
done
(( followups > 0 && behind == 4 )) &&
  ok "both builders rebuilt the workers' $followups follow-ups and dead-lettered the 2 invalid ones in $((SECONDS - start)) s" ||
  fail "builders behind after 30 s: $followups follow-ups published, $behind of 4 builder conditions met"
# Evaluate at this moment: the last 15 s hold the burst of work, so rates and quantiles have
# values (later, with the fleet idle, they are 0 or NaN, which still counts as data).
busy_at=$(date +%s.%N)
sleep 2  # one more scrape of every target at or after busy_at

# ------------------------------------------------------------------------------ dashboards
# Grafana's "All" for $provider, this test's vhost for $vhost; $__rate_interval as Grafana
# computes it for a 1 s scrape interval would be 4 s; 15 s keeps several samples per window.
if "$PY" "$REPO_ROOT/tests/integration/observability/query_dashboards.py" "$prom" "$DEADLINE" \
  'provider=spotify|lastfm|noop|recommend|features' 'builder=recommend|features' "vhost=$vhost" '__rate_interval=15s' "@time=$busy_at" -- \
  "$REPO_ROOT"/deploy/grafana/dashboards/*.json >"$work/dashboards.out" 2>&1; then
  ok "every dashboard query returns data: $(tail -n 1 "$work/dashboards.out")"
else
  fail "dashboard queries without data: $(tail -n 1 "$work/dashboards.out")"
fi
grep -v '^[0-9]* passed' "$work/dashboards.out" | sed 's/^/     /'

# ------------------------------------------------------------------------------ alert rules
rules=$(curl -fsS "$prom/api/v1/rules")
summary=$("$PY" -c '
import json, sys
rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
bad = [r["name"] + ": " + r.get("lastError", "") for r in rules if r.get("health") != "ok"]
print(len(rules), "rules,", len(bad), "unhealthy", "; ".join(bad))' <<<"$rules")
if [[ $summary == *" 0 unhealthy"* && $summary != "0 rules"* ]]; then
  ok "alerts.yml loaded and evaluated by prometheus: $summary"
else
  fail "alerts.yml in prometheus: $summary"
fi

# The live dead letters above must fire TunefleetDeadLettersGrowing (the rule matches the real
# metric and labels), for noop and spotify.
firing() {
  curl -fsS "$prom/api/v1/query" --data-urlencode 'query=ALERTS{alertname="TunefleetDeadLettersGrowing",alertstate="firing"}' |
    "$PY" -c 'import json,sys; print(",".join(sorted(r["metric"]["provider"] for r in json.load(sys.stdin)["data"]["result"])))'
}
for _ in $(seq 50); do [[ $(firing 2>/dev/null) == noop,spotify ]] && break; sleep 0.2; done
got=$(firing 2>/dev/null)
[[ $got == noop,spotify ]] && ok "TunefleetDeadLettersGrowing fires for the live dead letters ($got)" ||
  fail "TunefleetDeadLettersGrowing firing for '$got', expected noop,spotify"

# ... and the builders' invalid follow-ups fire TunefleetBuilderDeadLettersGrowing.
builder_firing() {
  curl -fsS "$prom/api/v1/query" --data-urlencode 'query=ALERTS{alertname="TunefleetBuilderDeadLettersGrowing",alertstate="firing"}' |
    "$PY" -c 'import json,sys; print(",".join(sorted(r["metric"]["builder"] for r in json.load(sys.stdin)["data"]["result"])))'
}
for _ in $(seq 50); do [[ $(builder_firing 2>/dev/null) == features,recommend ]] && break; sleep 0.2; done
got=$(builder_firing 2>/dev/null)
[[ $got == features,recommend ]] && ok "TunefleetBuilderDeadLettersGrowing fires for the live dead follow-ups ($got)" ||
  fail "TunefleetBuilderDeadLettersGrowing firing for '$got', expected features,recommend"

finish
