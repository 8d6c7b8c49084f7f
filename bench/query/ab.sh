#!/usr/bin/env bash
# Two builds of `aman serve` on PostgreSQL, alternated in one invocation (issue 2): for
# each round and each build, start the server on its database, log in, and run `wrk
# -t2 -c32` on each query of bench/query/run.sh that returns rows, reading the CPU time
# of `aman serve` and of all PostgreSQL processes from /proc around each run. Prints
# p50, p99, requests/s, CPU per request in µs (server, PostgreSQL) and the load average.
#
#   bash bench/query/ab.sh OLD_BIN OLD_DB_URL NEW_BIN NEW_DB_URL [ROUNDS]
#
# Each database must already hold the benchmark's reports and its build's migrations
# (bench/query/run.sh with AMAN_BIN loads one). The analyst `loadtest` is added when
# missing. DURATION (default 8s) is each wrk run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/query/serve.sh
old_bin=$1 old_url=$2 new_bin=$3 new_url=$4 rounds=${5:-2}
duration=${DURATION:-8s}
port=8097
password=bench-load-test-password
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

box='bbox=72.7,40.4,72.9,40.6'
queries=(
  "main|from=2010-06-11&to=2010-06-12&type=arson,killing&$box&q=school"
  "date+type+bbox|from=2010-06-11&to=2010-06-12&type=arson,killing&$box"
  "text|q=school"
  "none|"
)

# CPU ticks (user + system) of the processes whose name is $1.
ticks() {
  local total=0 f
  for f in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null <"$f" || continue
    [[ $line == *"($1)"* ]] || continue
    read -r -a s <<<"${line##*) }"
    total=$((total + s[11] + s[12]))
  done
  echo "$total"
}

# Ticks of one process.
pid_ticks() {
  local line
  read -r line </proc/"$1"/stat
  read -r -a s <<<"${line##*) }"
  echo $((s[11] + s[12]))
}

run() {
  local round=$1 label=$2 bin=$3 url=$4
  start_server "$bin" --data-dir "$work" --database-url "$url"
  local pid=$server_pid
  local hz
  hz=$(getconf CLK_TCK)
  for q in "${queries[@]}"; do
    local name=${q%%|*} url_q="http://127.0.0.1:$port/api/v1/reports?limit=50&${q#*|}"
    # Warm the statement caches and the server's connections.
    wrk -t2 -c32 -d1s -H "authorization: Bearer $token" "$url_q" >/dev/null
    local a0 p0
    a0=$(pid_ticks $pid) p0=$(ticks postgres)
    wrk -t2 -c32 -d"$duration" --latency -H "authorization: Bearer $token" "$url_q" >"$work/wrk.out"
    local a1 p1
    a1=$(pid_ticks $pid) p1=$(ticks postgres)
    grep -q "Non-2xx" "$work/wrk.out" && { echo "$name: errors" >&2; exit 1; }
    local p50 p99 requests
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
    requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
    local rps=$(awk '$1 == "Requests/sec:" {printf "%.0f", $2}' "$work/wrk.out")
    printf '%-5s %-6s %-16s %9s %9s %6s %8d %8d %6s\n' "$round" "$label" "$name" "$p50" "$p99" "$rps" \
      $(((a1 - a0) * 1000000 / hz / requests)) $(((p1 - p0) * 1000000 / hz / requests)) \
      "$(cut -d' ' -f1 /proc/loadavg)"
  done
  kill $pid
  wait $pid 2>/dev/null || true
}

printf '%-5s %-6s %-16s %9s %9s %6s %8s %8s %6s\n' round build query p50 p99 req/s "aman µs" "pg µs" load
for round in $(seq "$rounds"); do
  if ((round % 2)); then
    run "$round" old "$old_bin" "$old_url"
    run "$round" new "$new_bin" "$new_url"
  else
    run "$round" new "$new_bin" "$new_url"
    run "$round" old "$old_bin" "$old_url"
  fi
done
