#!/usr/bin/env bash
# Verify benchmark (issue 15, item 6), PostgreSQL to PostgreSQL on the local server, in one run:
#   1. the COPY pipe of the whole table: psql COPY TO STDOUT | psql COPY FROM STDIN (the yardstick;
#      it also makes the destination's copy)
#   2. manage.py verify_module over that copy, everything included (Python start-up, the JVM, both
#      sides read in key order and compared); its peak RSS (GNU time: the largest of the command
#      and jrunner, its child)
#   3. verify_module keyed by the text column instead (no index serves its binary-collation order:
#      both databases sort)
#   4. the pipe and the verify by id again with three times the rows, to show the memory stays flat
# Usage: bench/verify.sh [ROWS]   (default 1000000; the second size is 3 x ROWS).
# Needs PostgreSQL on BENCH_PG_HOST:BENCH_PG_PORT (default 127.0.0.1:5432) as postgres without a
# password, psql, bc and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
name=pk_bench_v
source bench/common.sh
"${psql[@]}" -d "$dst" -c "CREATE TABLE items ($columns)"
"${psql[@]}" -d "$src" -c "CREATE TABLE items ($columns)"
fill 1 "$rows"

pipekit_state
$py manage.py shell -v 0 -c "
from bench.modules import connections, module
src, dst = connections('$host', $port, '$user', '$src', '$dst')
module('bench_verify_text', src, dst, 'items', merge_key=['name'])
module('bench_verify', src, dst, 'items', 'incremental', merge_key=['id'])
"

verify() {  # verify MODULE N: sets verify (seconds) and rss (MB); the copy must match, every row
    local t0 t1
    t0=$(now)
    /usr/bin/time -f "%M" -o "$state/rss" $py manage.py verify_module "$1" > "$state/out"
    t1=$(now)
    verify=$(seconds "$t0" "$t1")
    rss=$(( $(cat "$state/rss") / 1024 ))
    [ "$(grep -o 'matched [0-9,]* rows' "$state/out" | tr -d ,)" = "matched $2 rows" ] || { cat "$state/out"; exit 1; }
}

measure() {  # measure N: the pipe and the verify of N rows; sets pipe, verify, rss
    local n=$1 t0 t1
    t0=$(now)
    "${psql[@]}" -d "$src" -c "COPY (SELECT id, name, amount, updated_at FROM items) TO STDOUT" \
        | "${psql[@]}" -d "$dst" -1 -c "TRUNCATE items" -c "COPY items FROM STDIN"
    t1=$(now)
    pipe=$(seconds "$t0" "$t1")
    "${psql[@]}" -d "$dst" -c "VACUUM ANALYZE items"
    verify bench_verify "$n"
    echo "$n rows: COPY pipe ${pipe} s; verify_module ${verify} s = $(ratio "$verify" "$pipe") x the pipe;" \
        "peak RSS ${rss} MB; $(head -1 "$state/out")"
}

echo "== verify, PostgreSQL to PostgreSQL =="
measure "$rows"
rss1=$rss
verify bench_verify_text "$rows"
echo "$rows rows keyed by the text column: verify_module ${verify} s = $(ratio "$verify" "$pipe") x the pipe;" \
    "peak RSS ${rss} MB"
fill $((rows + 1)) $((rows * 3))
measure $((rows * 3))
echo "peak RSS at $((rows * 3)) rows / at $rows rows: $(ratio "$rss" "$rss1")"
echo "-- the last verification's live log:"
$py manage.py shell -v 0 -c "
from syncs.models import Verification
print(Verification.objects.first().live_log)
" 2>/dev/null
