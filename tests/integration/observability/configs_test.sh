#!/usr/bin/env bash
# Static checks of deploy/ and docker-compose.yml with the tools Debian ships (no Docker
# engine, no cluster needed): promtool check config / check rules / test rules, yamllint on
# every YAML file, every dashboard is JSON with the provisioned datasource uid, every
# tunefleet_* metric named in deploy/ is defined in common/metrics, the compose file is valid
# for docker-compose (also with --profile sim), Prometheus scrapes every worker and builder,
# and the Kubernetes manifests keep their promises (probes, grace period >
# TUNEFLEET_SHUTDOWN_TIMEOUT, a ScaledObject per worker and builder on its queue). Run from
# the repository root. Ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.." || exit 1
PY=/usr/bin/python3

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { # check "description" command...
  local desc=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$desc"; else fail "$desc"; printf '%s\n' "$out" | sed 's/^/     /' | tail -n 30; fi
}

for tool in promtool yamllint docker-compose; do
  command -v "$tool" >/dev/null || fail "$tool not installed (scripts/install-deps tools)"
done

check "promtool check config deploy/prometheus/prometheus.yml" promtool check config deploy/prometheus/prometheus.yml
check "promtool check rules deploy/prometheus/alerts.yml" promtool check rules deploy/prometheus/alerts.yml
check "promtool test rules deploy/prometheus/tests.yml" promtool test rules deploy/prometheus/tests.yml
check "yamllint deploy/ docker-compose.yml" yamllint -s -c deploy/.yamllint deploy/ docker-compose.yml
check "docker-compose config -q" docker-compose -f docker-compose.yml config -q
check "docker-compose --profile sim --env-file deploy/sim.env config -q" \
  docker-compose -f docker-compose.yml --profile sim --env-file deploy/sim.env config -q

# Every alert has a test case naming it.
alerts_tested() {
  "$PY" - <<'EOF'
import yaml, sys
rules = {r["alert"] for g in yaml.safe_load(open("deploy/prometheus/alerts.yml"))["groups"] for r in g["rules"]}
tested = {t["alertname"] for c in yaml.safe_load(open("deploy/prometheus/tests.yml"))["tests"] for t in c["alert_rule_test"]}
missing = sorted(rules - tested)
print("untested alerts:", missing) if missing else None
sys.exit(1 if missing else 0)
EOF
}
check "every alert of alerts.yml has promtool tests" alerts_tested

scrape_jobs_ok() {
  "$PY" - <<'EOF'
import yaml, sys
jobs = {j["job_name"] for j in yaml.safe_load(open("deploy/prometheus/prometheus.yml"))["scrape_configs"]}
want = {f"tunefleet-{n}" for n in ("spotify", "lastfm", "musicbrainz", "discogs", "cyanite", "aoty", "noop", "recommend", "features")}
missing = sorted(want - jobs)
print("no scrape job for:", missing) if missing else None
sys.exit(1 if missing else 0)
EOF
}
check "prometheus.yml: a scrape job per worker and builder" scrape_jobs_ok

dashboards_ok() {
  "$PY" - <<'EOF'
import json, glob, re, sys, yaml
ds = yaml.safe_load(open("deploy/grafana/provisioning/datasources/prometheus.yml"))["datasources"][0]["uid"]
# The Catalog dashboard's SQL panels: the read-only role's PostgreSQL datasource (their SQL runs
# against a real database in catalog_dashboard_test.sh).
sql = yaml.safe_load(open("deploy/grafana/provisioning/datasources/catalog-postgres.yml"))["datasources"][0]
defined = set(re.findall(r'"(tunefleet_\w+)"', "".join(open(f"common/metrics/{m}_metrics.cpp").read() for m in ("worker", "gateway", "builder"))))
errors = []
texts = [open(p).read() for p in ("deploy/prometheus/alerts.yml",)]
files = sorted(glob.glob("deploy/grafana/dashboards/*.json"))
if len(files) < 2: errors.append(f"expected 2 dashboards, found {files}")
uids = set()
for path in files:
    d = json.load(open(path))
    if d["uid"] in uids: errors.append(f"{path}: duplicate uid {d['uid']}")
    uids.add(d["uid"])
    for p in d["panels"]:
        if p["type"] == "row": continue  # a section header: no query
        uid = p["datasource"]["uid"]
        if uid not in (ds, sql["uid"]): errors.append(f"{path} panel {p['id']}: datasource uid {uid} is neither {ds} nor {sql['uid']}")
        if not p.get("targets"): errors.append(f"{path} panel {p['id']}: no query")
        key = "rawSql" if uid == sql["uid"] else "expr"
        errors += [f"{path} panel {p['id']}: a target without {key}" for t in p.get("targets", []) if not t.get(key)]
        texts += [t["expr"] for t in p.get("targets", []) if "expr" in t]
if sql["user"] != "tunefleet_reader": errors.append(f"catalog-postgres.yml: user {sql['user']}, not the read-only tunefleet_reader")
if sql["secureJsonData"]["password"] != "$__file{/run/secrets/pg_reader_password}":
    errors.append("catalog-postgres.yml: the password is not the pg_reader_password secret")
grafana = yaml.safe_load(open("docker-compose.yml"))["services"]["grafana"]
if "pg_reader_password" not in grafana.get("secrets", []): errors.append("docker-compose.yml: grafana lacks the pg_reader_password secret")
used = set()
for t in texts:
    for m in re.findall(r"tunefleet_\w+", t):
        used.add(re.sub(r"_(bucket|sum|count)$", "", m) if m not in defined else m)
unknown = sorted(used - defined)
if unknown: errors.append(f"metrics not defined in common/metrics: {unknown}")
print("\n".join(errors))
sys.exit(1 if errors else 0)
EOF
}
check "dashboards: JSON, provisioned datasource uids (Prometheus; the Catalog SQL panels as tunefleet_reader), only metrics common/metrics defines" dashboards_ok

# The fleet dashboard has a "Builders" row with panels on every builder metric.
builder_panels_ok() {
  "$PY" - <<'EOF'
import json, re, sys
d = json.load(open("deploy/grafana/dashboards/fleet-overview.json"))
rows = [p for p in d["panels"] if p["type"] == "row" and p["title"] == "Builders"]
below = rows[0]["gridPos"]["y"] if rows else float("inf")
exprs = " ".join(t["expr"] for p in d["panels"] if p["gridPos"]["y"] > below for t in p.get("targets", []))
defined = set(re.findall(r'"(tunefleet_builder_\w+)"', open("common/metrics/builder_metrics.cpp").read()))
errors = [] if rows else ['no row "Builders" in fleet-overview.json']
errors += [f"no panel below the Builders row uses {m}" for m in sorted(defined) if m not in exprs]
print("\n".join(errors)); sys.exit(1 if errors else 0)
EOF
}
check "fleet-overview: a Builders row using every tunefleet_builder_* metric" builder_panels_ok

k8s_ok() {
  "$PY" - <<'EOF'
import glob, re, sys, yaml
docs = [d for p in sorted(glob.glob("deploy/k8s/*.yaml")) for d in yaml.safe_load_all(open(p)) if d]
by_kind = {}
for d in docs: by_kind.setdefault(d["kind"], []).append(d)
errors = []
cfg = next(d for d in by_kind["ConfigMap"] if d["metadata"]["name"] == "tunefleet-config")["data"]
shutdown = int(re.fullmatch(r"(\d+)s", cfg["TUNEFLEET_SHUTDOWN_TIMEOUT"]).group(1))
workers = {"spotify", "lastfm", "musicbrainz", "discogs", "cyanite", "aoty", "noop", "recommend", "features"}
builders = {"recommend", "features"}
deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
scaled = {d["spec"]["scaleTargetRef"]["name"]: d for d in by_kind.get("ScaledObject", [])}
for w in sorted(workers):
    name = f"tunefleet-{w}"
    dep = deployments.get(name)
    if not dep: errors.append(f"no Deployment {name}"); continue
    spec = dep["spec"]["template"]["spec"]
    c = spec["containers"][0]
    if c["command"] != [name]: errors.append(f"{name}: command {c['command']}")
    if c["livenessProbe"]["httpGet"]["path"] != "/healthz": errors.append(f"{name}: liveness not /healthz")
    if c["readinessProbe"]["httpGet"]["path"] != "/readyz": errors.append(f"{name}: readiness not /readyz")
    if not (c["resources"].get("requests") and c["resources"].get("limits")): errors.append(f"{name}: resources")
    if spec["terminationGracePeriodSeconds"] <= shutdown: errors.append(f"{name}: grace period <= {shutdown}s")
    env = {e["name"]: e for e in c.get("env", [])}
    if "TUNEFLEET_PG_DSN_FILE" not in env or "TUNEFLEET_PG_DSN" in env: errors.append(f"{name}: DSN not from a file")
    if "secretKeyRef" not in env.get("TUNEFLEET_AMQP_URL", {}).get("valueFrom", {}): errors.append(f"{name}: AMQP URL not from a Secret")
    mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
    if w in builders and any(v.get("secret", {}).get("secretName") == "tunefleet-providers" for v in spec.get("volumes", [])):
        errors.append(f"{name}: a builder mounts the provider credentials")
    for e in env.values():
        if e["name"].endswith("_FILE") and not any(e["value"].startswith(m + "/") for m in mounts):
            errors.append(f"{name}: {e['name']}={e['value']} is not under a mounted volume")
    so = scaled.get(name)
    if not so: errors.append(f"no ScaledObject for {name}"); continue
    trig = so["spec"]["triggers"][0]
    if trig["type"] != "rabbitmq" or trig["metadata"]["queueName"] != f"tunefleet.{w}":
        errors.append(f"{name}: trigger {trig}")
job = by_kind.get("Job", [])
if not job or job[0]["spec"]["template"]["spec"]["containers"][0]["command"] != ["tunefleet", "migrate"]:
    errors.append("no migration Job running tunefleet migrate")
elif {e["name"]: e.get("value") for e in job[0]["spec"]["template"]["spec"]["containers"][0]["env"]}.get(
        "TUNEFLEET_PG_DSN_FILE") != "/var/run/secrets/tunefleet/db/pg_owner_dsn":
    errors.append("the migration Job does not run as the owner role (pg_owner_dsn)")
print("\n".join(errors))
sys.exit(1 if errors else 0)
EOF
}
check "k8s: Deployment + ScaledObject per worker and builder, probes, grace period, secrets from files, migration Job" k8s_ok

compose_ok() {
  docker-compose -f docker-compose.yml config | "$PY" -c '
import sys, yaml
c = yaml.safe_load(sys.stdin)
s = c["services"]
errors = []
for w in ("spotify", "lastfm", "musicbrainz", "discogs", "cyanite", "aoty", "noop", "recommend", "features"):
    svc = s.get(f"tunefleet-{w}")
    if not svc: errors.append(f"no service tunefleet-{w}"); continue
    if "container_name" in svc or "ports" in svc: errors.append(f"tunefleet-{w}: fixed name or host port (breaks --scale)")
    if svc["environment"].get("TUNEFLEET_PG_DSN_FILE") != "/run/secrets/pg_dsn": errors.append(f"tunefleet-{w}: DSN not from a secret")
    if svc["depends_on"]["migrate"]["condition"] != "service_completed_successfully": errors.append(f"tunefleet-{w}: does not wait for migrate")
    if svc["command"] != [f"tunefleet-{w}"]: errors.append(f"tunefleet-{w}: command {svc['command']}")
if s["migrate"]["command"] != ["tunefleet", "migrate"]: errors.append("migrate command")
if s["migrate"]["environment"].get("TUNEFLEET_PG_DSN_FILE") != "/run/secrets/pg_owner_dsn": errors.append("migrate not as the owner role")
if s.get("provider-sim", {}).get("profiles") != ["sim"]: errors.append("provider-sim not limited to profile sim")
for need in ("rabbitmq", "postgres", "redis", "prometheus", "grafana"):
    if need not in s: errors.append(f"no service {need}")
print("\n".join(errors)); sys.exit(1 if errors else 0)'
}
check "compose: scalable workers and builders, secrets via *_FILE, migrate first, provider-sim only in its profile" compose_ok

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
