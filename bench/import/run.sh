#!/usr/bin/env bash
# Import benchmark (issue 2): `aman import reports` of N synthetic scenario reports into
# SQLite, next to the physical reference measured in the same run: the same file's
# lines loaded by `sqlite3 .import` into a bare one-column table (no parsing, no
# validation, no indexes; JSON Lines hold no raw tabs, so each line is one value).
#
#   bash bench/import/run.sh [N]        (default 1000000)
#
# AMAN_BASELINE=path/to/other/aman first imports the same file with that binary (e.g. the
# main branch's build) into its own fresh database, so two builds are compared in the
# same minute on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
bin=${CARGO_TARGET_DIR:-target}/release
work=target/bench-import
rm -rf "$work"; mkdir -p "$work"
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null
cargo build --release -q -p aman-cli
cargo build --release -q -p aman-scenario --example bench_stream
"$bin/examples/bench_stream" "$n" "$work/reports.jsonl" | tail -n 2

# Imports the file with binary $1 into a fresh database in $work/$2. The stream refers
# to sources 1..12 by id: register twelve first.
import() {
  "$1" --data-dir "$work/$2" init >/dev/null 2>&1
  for i in $(seq 12); do
    sqlite3 "$work/$2/aman.db" "INSERT INTO sources (name, organisation, kind, reliability, synthetic, created_at) VALUES ('bench source $i', 'benchmark (synthetic)', 'ngo', 'B', 1, 0)"
  done
  echo "== aman import reports ($n rows, $1)"
  /usr/bin/time -f "peak RSS %M KB, wall %e s, CPU %U s user + %S s sys" \
    "$1" --data-dir "$work/$2" import reports "$work/reports.jsonl" 2>&1 | grep -v INFO
}
if [ -n "${AMAN_BASELINE:-}" ]; then
  import "$AMAN_BASELINE" baseline
  rm -rf "$work/baseline"
fi
import "$bin/aman" data

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
