#!/usr/bin/env bash
# Engine benchmark (issue 7, item 11), PostgreSQL to PostgreSQL on the local server, in one run:
#   1. the COPY pipe: psql COPY TO STDOUT | psql COPY FROM STDIN, 1,000,000 rows (the yardstick)
#   2. a full-refresh module of the same rows, everything included (manage.py run_module), into
#      the empty table, then again replacing them
#   3. an incremental module with 1% of the rows changed over a 1,000,000-row destination
#   4. an incremental module run that finds nothing new (the fixed overhead)
# Usage: bench/engine.sh [ROWS]   (default 1000000). Prints the figures and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
changed=$((rows / 100))
name=pk_bench
source bench/common.sh
"${psql[@]}" -d "$src" -c "CREATE TABLE items ($columns)" -c "CREATE INDEX ON items (updated_at)"
fill 1 "$rows"
# The incremental destination indexes its watermark column, as an operator would: the
# watermark is max(updated_at) of that table, read at the start of every run.
"${psql[@]}" -d "$dst" -c "CREATE TABLE pipe ($columns)" -c "CREATE TABLE full_copy ($columns)" \
    -c "CREATE TABLE inc_copy ($columns)" -c "CREATE INDEX ON inc_copy (updated_at)"

# JRUNNER=path runs another jrunner build (to compare with an older one).
pipekit_state ${JRUNNER:+"jrunner: $JRUNNER"}
$py manage.py shell -c "
from bench.modules import connections, incremental, module
src, dst = connections('$host', $port, '$user', '$src', '$dst')
module('bench_full', src, dst, 'full_copy')
incremental('bench_inc', src, dst, 'inc_copy')
"

echo "== $rows rows, PostgreSQL to PostgreSQL =="
t0=$(now)
"${psql[@]}" -d "$src" -c "COPY (SELECT id, name, amount, updated_at FROM items) TO STDOUT" \
    | "${psql[@]}" -d "$dst" -1 -c "TRUNCATE pipe" -c "COPY pipe FROM STDIN"
t1=$(now)
pipe=$(seconds "$t0" "$t1")
echo "COPY pipe (psql | psql):                 ${pipe} s"

t0=$(now)
$py manage.py run_module bench_full
t1=$(now)
full=$(seconds "$t0" "$t1")
echo "full refresh module (run_module):        ${full} s  = $(ratio "$full" "$pipe") x the COPY pipe"

# Again, now replacing the rows the first run loaded (the clear's cost shows here).
t0=$(now)
$py manage.py run_module bench_full
t1=$(now)
again=$(seconds "$t0" "$t1")
echo "full refresh replacing $rows rows:     ${again} s  = $(ratio "$again" "$pipe") x the COPY pipe"

# The incremental destination starts as a copy of the source; then 1% of the rows change.
$py manage.py run_module bench_inc > /dev/null
"${psql[@]}" -d "$src" -c "UPDATE items SET name = name || ' changed', updated_at = updated_at + interval '1 year'
    WHERE id % 100 = 0"
t0=$(now)
$py manage.py run_module bench_inc
t1=$(now)
inc=$(seconds "$t0" "$t1")
echo "incremental, $changed rows changed:       ${inc} s  = $(ratio "$inc" "$full") x the full refresh"

t0=$(now)
$py manage.py run_module bench_inc
t1=$(now)
none=$(seconds "$t0" "$t1")
echo "incremental, nothing new:                ${none} s"

echo "-- where the time goes (live logs of the last two incremental runs):"
$py manage.py shell -c "
from syncs.models import RunLog
for run in reversed(RunLog.objects.filter(module__name='bench_inc')[:2]):
    print(f'run {run.pk}:'); print(run.live_log)
" 2>/dev/null

# Row by row: the full refresh equals the COPY pipe's copy (both taken before the change),
# the incremental copy equals the source now.
same() {
    diff <("${psql[@]}" -d "$1" -At -c "SELECT * FROM $2 ORDER BY id") \
         <("${psql[@]}" -d "$dst" -At -c "SELECT * FROM $3 ORDER BY id") > "$state/diff" \
        || { echo "$3 differs from $2:" >&2; head "$state/diff" >&2; exit 1; }
}
same "$dst" pipe full_copy
same "$src" items inc_copy
echo "checked row by row: full_copy = the COPY pipe's copy, inc_copy = the source"
