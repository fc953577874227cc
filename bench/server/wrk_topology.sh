#!/usr/bin/env bash
# wrk against a real `skydive analyzer` (issue 5 benchmark 1): keep-alive POST /api/topology
# with G.V().Has('Name','eth0') on a 10k-node graph, and GET /api as the transport-only baseline
# measured in the same run. Prints `BENCH <name> <value> <unit>` lines.
# Usage: bench/server/wrk_topology.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS]
set -euo pipefail
build=${1:-build/release}
duration=${2:-10}
conns=${3:-64}
nodes=10000
bin=$build/skydive
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

SKYDIVE_LOGLEVEL=warn "$bin" analyzer --listen "127.0.0.1:$port" --data-dir "$work/data" \
  2>"$work/log" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api" >/dev/null && break; sleep 0.1; done

# Load: nodes named eth0..eth9999 (one eth0), each POSTed once, then GET /api for the rest.
cat >"$work/load.lua" <<LUA
local n = 0
request = function()
  if n < $nodes then
    local body = string.format('{"ID":"node-%d","Metadata":{"Name":"eth%d","Type":"device","MTU":1500}}', n, n)
    n = n + 1
    return wrk.format("POST", "/api/node", {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/api")
end
LUA
wrk -t1 -c1 -d12s -s "$work/load.lua" "http://127.0.0.1:$port" >/dev/null
# wrk builds one request at start-up that it never sends: add what is missing.
for i in 0 1; do
  curl -s -o /dev/null -XPOST "http://127.0.0.1:$port/api/node" \
    -d "{\"ID\":\"node-$i\",\"Metadata\":{\"Name\":\"eth$i\",\"Type\":\"device\",\"MTU\":1500}}"
done
count=$(curl -s -XPOST "http://127.0.0.1:$port/api/topology" -d '{"GremlinQuery":"G.V().Count()"}')
[ "$count" = "$nodes" ] || { echo "load failed: $count nodes"; exit 1; }

cat >"$work/query.lua" <<'LUA'
wrk.method = "POST"
wrk.body = [[{"GremlinQuery":"G.V().Has('Name','eth0')"}]]
wrk.headers["Content-Type"] = "application/json"
LUA

# wrk --latency prints "99%  <value><unit>"; convert to ms.
run() {
  local name=$1; shift
  local out
  out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency "$@" "http://127.0.0.1:$port$path")
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; print v}' <<<"$out")
  local errors
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  [ -z "$errors" ] || { echo "$name: $errors non-2xx responses"; exit 1; }
  echo "BENCH wrk_${name}/requests_per_s $rps per_s"
  echo "BENCH wrk_${name}/p99_latency $p99 ms"
  eval "${name}_rps=$rps"
}
path=/api run baseline_get_api
path=/api/topology run topology_has_name -s "$work/query.lua"
echo "BENCH wrk_topology_vs_baseline/ratio $(awk -v a="$topology_has_name_rps" -v b="$baseline_get_api_rps" 'BEGIN {printf "%.3f", a/b}') count"
