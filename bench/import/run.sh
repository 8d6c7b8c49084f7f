#!/usr/bin/env bash
# Import benchmark (issue 2): `aman import reports` of N synthetic scenario reports into
# SQLite, next to the physical reference measured in the same run: the same file's
# lines loaded by `sqlite3 .import` into a bare one-column table (no parsing, no
# validation, no indexes; JSON Lines hold no raw tabs, so each line is one value).
#
#   bash bench/import/run.sh [N]        (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
work=target/bench-import
rm -rf "$work"; mkdir -p "$work"
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null
cargo build --release -q -p aman-cli
cargo build --release -q -p aman-scenario --example bench_stream
./target/release/examples/bench_stream "$n" "$work/reports.jsonl" | tail -n 2

# The stream refers to sources 1..12 by id: register twelve in a fresh database.
./target/release/aman --data-dir "$work/data" init >/dev/null 2>&1
for i in $(seq 12); do
  sqlite3 "$work/data/aman.db" "INSERT INTO sources (name, organisation, kind, reliability, synthetic, created_at) VALUES ('bench source $i', 'benchmark (synthetic)', 'ngo', 'B', 1, 0)"
done

echo "== aman import reports ($n rows)"
/usr/bin/time -f "peak RSS %M KB, wall %e s" \
  ./target/release/aman --data-dir "$work/data" import reports "$work/reports.jsonl" 2>&1 | grep -v INFO

echo "== reference: sqlite3 .import of the same lines into a bare table"
start=$(date +%s.%N)
sqlite3 "$work/bare.db" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE bare (line TEXT);
.mode ascii
.separator "\t" "\n"
.import $work/reports.jsonl bare
SQL
end=$(date +%s.%N)
rows=$(sqlite3 "$work/bare.db" "SELECT COUNT(*) FROM bare")
python3 -c "s=$end-$start; print(f'sqlite3 .import: {$rows} rows in {s:.1f} s ({$rows/s:.0f} rows/s)')"
