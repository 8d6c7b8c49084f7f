#!/usr/bin/env bash
# Filtered report lists under load (issue 2): `GET /api/v1/reports` with several filter
# combinations, 32 connections, wrk from Debian, on SQLite and then on PostgreSQL; prints
# p50, p99 and requests/s per combination and the server's peak RSS (VmHWM).
#
#   bash bench/query/run.sh [N] [sqlite|postgres|both]     (default 1000000 both)
#
# The SQLite database is the one bench/import/run.sh leaves (made first when it does not
# hold N reports). PostgreSQL gets the same rows, ids included, copied from it into a
# fresh database ($AMAN_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/aman_bench)
# unless it already holds N reports. AMAN_BIN runs another build (e.g. main's) instead of
# this checkout's.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/query/serve.sh
n=${1:-1000000}
backends=${2:-both}
work=target/bench-import
pg_url=${AMAN_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/aman_bench}
port=8098
duration=${DURATION:-20s}
password=bench-load-test-password
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
cargo build --release -q -p aman-cli
aman=${AMAN_BIN:-${CARGO_TARGET_DIR:-target}/release/aman}
if [ "$(sqlite3 "$work/data/aman.db" 'SELECT COUNT(*) FROM reports' 2>/dev/null || echo 0)" != "$n" ]; then
  bash bench/import/run.sh "$n"
fi

from='from=2010-06-11&to=2010-06-12'
types='type=arson,killing'
box='bbox=72.7,40.4,72.9,40.6'
nowhere='bbox=70.0,41.5,70.1,41.6'
queries=(
  "date+type+bbox+text|$from&$types&$box&q=school"
  "date+type+bbox|$from&$types&$box"
  "text|q=school"
  "bbox|$box"
  "none|"
  "empty: date+type+far bbox|$from&$types&$nowhere"
  "empty: text+far bbox|q=school&$nowhere"
)

load_postgres() {
  local db=${pg_url##*/} base=${pg_url%/*}
  psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  "$aman" --data-dir "$work/pg" --database-url "$pg_url" init >/dev/null 2>&1
  sqlite3 -csv "$work/data/aman.db" "SELECT id, name, organisation, kind, reliability, synthetic, created_at FROM sources" |
    psql -q "$pg_url" -c "COPY sources (id, name, organisation, kind, reliability, synthetic, created_at) FROM STDIN CSV"
  local cols="id, source_id, import_id, external_ref, kind, refers_to, event_start, event_end, event_mask, place_text, place_status, place_json, latitude, longitude, admin1_code, admin2_code, credibility, narrative, input_json, received_at, created_by, created_at, incident_id, synthetic"
  sqlite3 -csv "$work/data/aman.db" "SELECT id, file_sha256, file_name, row_count, imported_by, imported_at FROM imports" |
    psql -q "$pg_url" -c "COPY imports (id, file_sha256, file_name, row_count, imported_by, imported_at) FROM STDIN CSV"
  echo "copying $n reports into PostgreSQL"
  start=$(date +%s)
  sqlite3 -csv "$work/data/aman.db" "SELECT $cols FROM reports ORDER BY id" |
    psql -q "$pg_url" -c "COPY reports ($cols) FROM STDIN CSV"
  psql -q "$pg_url" -c "SELECT setval('reports_id_seq', (SELECT max(id) FROM reports))" >/dev/null
  # The whole database: the search words' postings (`report_terms`, filled by a trigger)
  # need their visibility map for index-only walks, as autovacuum would set it in time.
  psql -q "$pg_url" -c "VACUUM ANALYZE"
  echo "loaded in $(( $(date +%s) - start )) s"
}

run_backend() {
  local name=$1; shift
  local args=("$@")
  start_server "$aman" "${args[@]}"
  local pid=$server_pid
  local url="http://127.0.0.1:$port/api/v1/reports?limit=50"
  # The second page of the first query, to load a keyset cursor too.
  local next
  next=$(curl -s -H "authorization: Bearer $token" "$url&${queries[0]#*|}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["next_before"])')
  queries+=("date+type+bbox+text, page 2|${queries[0]#*|}&before=$next")
  echo "== $name: wrk -t2 -c32 -d$duration --latency, 50 per page"
  printf '%-34s %8s %8s %9s %6s\n' query p50 p99 req/s rows
  for q in "${queries[@]}"; do
    local label=${q%%|*} params=${q#*|}
    local rows
    rows=$(curl -s -H "authorization: Bearer $token" "$url&$params" |
      python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
    wrk -t2 -c32 -d"$duration" --latency -H "authorization: Bearer $token" "$url&$params" >"$work/wrk.out"
    local p50 p99 rps
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
    rps=$(awk '$1 == "Requests/sec:" {printf "%.0f", $2}' "$work/wrk.out")
    grep -q "Non-2xx" "$work/wrk.out" && { echo "$label: errors"; grep Non-2xx "$work/wrk.out"; }
    printf '%-34s %8s %8s %9s %6s\n' "$label" "$p50" "$p99" "$rps" "$rows"
  done
  echo "$name server peak RSS: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$pid/status)"
  kill $pid
  wait $pid 2>/dev/null || true
  unset 'queries[${#queries[@]}-1]'
}

if [ "$backends" != postgres ]; then
  run_backend sqlite --data-dir "$work/data"
fi
if [ "$backends" != sqlite ]; then
  if [ "$(psql -tA "$pg_url" -c 'SELECT COUNT(*) FROM reports' 2>/dev/null || echo 0)" != "$n" ]; then
    load_postgres
  fi
  run_backend postgres --data-dir "$work/pg" --database-url "$pg_url"
fi
