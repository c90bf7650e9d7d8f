#!/usr/bin/python3
"""Evaluates every panel query and template variable of the Grafana dashboards against a
running Prometheus and checks that each returns data (a non-empty result).

    query_dashboards.py PROMETHEUS_URL DEADLINE_SECONDS VAR=VALUE... -- DASHBOARD.json...

Dashboard variables ($provider, $vhost, $__rate_interval, ...) are replaced by the VALUEs
given; the special argument @time=UNIX_SECONDS evaluates every query at that moment (the
test picks one while the fleet was busy, so rates and quantiles have values). A query that is still empty is asked again until DEADLINE_SECONDS (counted from the
start of this script) passes: the fleet may not have produced that series yet. Prints one
line per query and ends with "N passed, M failed"; exits 1 if any failed. Standard library
only (Debian's /usr/bin/python3).
"""
import json
import re
import sys
import time
import urllib.parse
import urllib.request


def query(base, expr, at):
    params = {"query": expr}
    if at:
        params["time"] = at
    url = base + "/api/v1/query?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=10) as answer:
        body = json.load(answer)
    if body.get("status") != "success":
        raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
    return body["data"]["result"]


def substitute(expr, values):
    # Longest names first, so $__rate_interval is not cut by a shorter variable's name.
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace("${" + name + "}", values[name]).replace("$" + name, values[name])
    left = re.findall(r"\$\{?\w+", expr)
    if left:
        raise RuntimeError(f"no value given for {', '.join(sorted(set(left)))}")
    return expr


def variable_expr(definition):
    # label_values(METRIC_SELECTOR, LABEL) as Grafana evaluates it: the LABEL values of the series.
    m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\)\s*", definition)
    if not m:
        raise RuntimeError(f"unsupported variable query: {definition}")
    return f"group by ({m.group(2)}) ({m.group(1)})", m.group(2)


def main(argv):
    if "--" not in argv or len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    base, deadline = argv[1].rstrip("/"), time.monotonic() + float(argv[2])
    values = dict(arg.split("=", 1) for arg in argv[3:split])
    at = values.pop("@time", None)
    checks = []  # (where, expr, label or None)
    for path in argv[split + 1:]:
        with open(path) as f:
            dashboard = json.load(f)
        name = dashboard["uid"]
        for var in dashboard.get("templating", {}).get("list", []):
            if var.get("type") == "query":
                definition = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
                expr, label = variable_expr(definition)
                checks.append((f"{name} variable ${var['name']}", substitute(expr, values), label))
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                if "expr" not in target:
                    continue  # a SQL panel (the Catalog dashboard): catalog_dashboard_test.sh runs it
                checks.append((f"{name} panel {panel['id']} \"{panel['title']}\" {target['refId']}",
                               substitute(target["expr"], values), None))

    passed = failed = 0
    for where, expr, label in checks:
        result, error = [], None
        while True:
            try:
                result, error = query(base, expr, at), None
            except Exception as e:  # a bad query fails at once: it will not get better
                error = str(e)
                break
            if result or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        if error is None and result:
            passed += 1
            if label:
                shown = ",".join(sorted(r["metric"].get(label, "") for r in result))
            else:
                shown = "; ".join(f"{r['metric']} = {r['value'][1]}" for r in result[:2])
            print(f"ok   - {where}: {len(result)} series ({shown[:160]})")
        else:
            failed += 1
            print(f"FAIL - {where}: {error or 'empty result'}\n       query: {expr}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
