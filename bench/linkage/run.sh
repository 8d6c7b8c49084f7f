#!/usr/bin/env bash
# Aman vs Splink record linkage, side by side in one invocation.
#
#   bench/linkage/run.sh            # FEBRL3, FEBRL4, fake_1000, scenario victims and reports: both tools
#   bench/linkage/run.sh --scale    # Aman alone on 10k, 100k, 1M generated records
#
# Splink 5 (DuckDB backend) is installed into a throwaway virtualenv under the
# cargo target directory. Every case runs in its own process under /usr/bin/time,
# so wall time and peak memory are whole-process figures. Both tools get the same
# number of threads (BENCH_THREADS, default 2).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${AMAN_LINKAGE_DATA:-$root/../shared/data/linkage}"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/bench-linkage-venv"
threads="${BENCH_THREADS:-2}"
export RAYON_NUM_THREADS="$threads" BENCH_THREADS="$threads"

cd "$root"
cargo build --release -q -p aman-linkage --example bench_linkage
aman="$target/release/examples/bench_linkage"

rows=()
# run NAME COMMAND...: runs under /usr/bin/time, keeps the RESULT line plus wall and peak memory.
run() {
    local log
    log="$(mktemp)"
    /usr/bin/time -v "$@" >"$log.out" 2>"$log.err" || { cat "$log.out" "$log.err" >&2; return 1; }
    local result wall rss
    result="$(grep '^RESULT' "$log.out" | tail -1)"
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log.err" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')"
    rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log.err")"
    grep -v '^RESULT' "$log.out" | sed 's/^/    /' >&2 || true
    rows+=("$result wall=$wall rss_mb=$rss")
    rm -f "$log" "$log.out" "$log.err"
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

print_table() {
    printf '\n| data | tool | pairwise F1 (clusters) | pair F1 at p=0.5 | wall time (s) | peak memory (MB) |\n'
    printf '|---|---|---|---|---|---|\n'
    for r in "${rows[@]}"; do
        printf '| %s | %s | %s | %s | %s | %s |\n' "$(field data "$r")" "$(field tool "$r")" \
            "$(field f1 "$r")" "$(field pair_f1 "$r")" "$(field wall "$r")" "$(field rss_mb "$r")"
    done
}

if [[ "${1:-}" == "--scale" ]]; then
    for n in ${SCALE_SIZES:-10000 100000 1000000}; do
        echo "aman: $n generated records" >&2
        run "$aman" scale "$n"
    done
    print_table
    exit 0
fi

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import splink, duckdb' 2>/dev/null; then
    echo "installing Splink 5 into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "splink==5.0.0" duckdb
fi
python="$venv/bin/python"
echo "splink $("$python" -c 'import splink; print(splink.__version__)'), $threads threads" >&2

for case in febrl3 febrl4 fake1000; do
    echo "aman: $case" >&2
    run "$aman" "$case" "$data"
    for model in basic rich; do
        echo "splink ($model): $case" >&2
        run "$python" "$here/splink_bench.py" "$data" "$case" "$model"
    done
done

# The synthetic scenario's victim lists (five lists, names in four scripts), written
# by the scenario generator with the default seed.
scenario="$target/bench-linkage-scenario"
cargo run --release -q -p aman-scenario --example write_scenario -- "$scenario" >/dev/null
echo "aman: scenario_persons" >&2
run "$aman" scenario_persons "$scenario"
for model in basic rich; do
    echo "splink ($model): scenario_persons" >&2
    run "$python" "$here/splink_bench.py" "$scenario" scenario_persons "$model"
done

# Report → incident linkage on the scenario's original reports: Aman's intake geocodes
# and links them (scenario_eval) and dumps the features it used; Splink links the same
# features. Aman's wall time and memory include generating, validating and geocoding
# the scenario and linking its victims; the linking itself is inner_wall_s.
reports="$target/bench-linkage-scenario-reports"
mkdir -p "$reports"
cargo build --release -q -p aman-service --example scenario_eval
echo "aman: scenario_incidents" >&2
run "$target/release/examples/scenario_eval" 20100610 --dump "$reports"
for model in basic rich; do
    echo "splink ($model): scenario_incidents" >&2
    run "$python" "$here/splink_bench.py" "$reports" scenario_incidents "$model"
done
print_table
