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
from connections.models import Connection, Driver
from syncs.models import Module
pg = Driver.objects.get(name='postgres')
src = Connection.objects.create(name='src', driver=pg, jdbc_url='jdbc:postgresql://$host:$port/$src', username='postgres')
dst = Connection.objects.create(name='dst', driver=pg, jdbc_url='jdbc:postgresql://$host:$port/$dst', username='postgres')
cols = [('id', 'bigint'), ('name', 'text'), ('amount', 'numeric(12,2)'), ('updated_at', 'timestamp(6)')]
columns = [{'id': f'c{i}', 'source_name': n, 'source_type': t, 'dest_name': n, 'dest_type': t, 'description': ''}
           for i, (n, t) in enumerate(cols, 1)]
Module.objects.create(name='bench_verify_text', source=src, dest=dst, dest_table='public.items', strategy='full',
    merge_key=['name'], columns=columns, source_query='SELECT id, name, amount, updated_at FROM items')
Module.objects.create(name='bench_verify', source=src, dest=dst, dest_table='public.items', strategy='incremental',
    merge_key=['id'], columns=columns, source_query='SELECT id, name, amount, updated_at FROM items')
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
