#!/usr/bin/env bash
# Hard-delete detection benchmark (issue 15, item 6, first half), PostgreSQL to PostgreSQL, in one
# run: what delete_missing: hard adds to an incremental module run over a ROWS-row table, against
# the COPY pipe of the key column alone (psql COPY TO STDOUT | psql COPY FROM STDIN).
# Goal: the added time <= 1.5 x that pipe.
#
# Each round deletes 10 rows at the source, then times, on the same destination table:
#   the COPY pipe of the key column (id) into an empty table,
#   the incremental module without delete_missing (nothing new: the fixed cost of a run),
#   the same module with delete_missing: hard (nothing new; it compares every key and deletes the 10).
# The added time is the second module's time minus the first's; the last lines have the medians
# and the fastest of each column. The rounds run twice: in a terminal (run_module, a JVM started
# for the run, its wall time) and through a worker (its warm jrunner, the run's started -> finished).
# Usage: bench/deletes.sh [ROWS] [ROUNDS]   (default 1000000 3). BENCH_PG_HOST / BENCH_PG_PORT /
# BENCH_PG_USER say where PostgreSQL is (default 127.0.0.1:5432 as postgres, no password).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
rounds=${2:-3}
name=pk_bench_del
source bench/common.sh
"${psql[@]}" -d "$src" -c "CREATE TABLE items ($columns)" -c "CREATE INDEX ON items (updated_at)"
fill 1 "$rows"
"${psql[@]}" -d "$dst" -c "CREATE TABLE keys_pipe (id bigint)" -c "CREATE TABLE inc_copy ($columns)" \
    -c "CREATE INDEX ON inc_copy (updated_at)"

# The state on PostgreSQL, so that a worker (executor: queue) can run the modules too.
pipekit_state_on_postgres
$py manage.py shell -c "
from bench.modules import connections, incremental
src, dst = connections('$host', $port, '$user', '$src', '$dst')
incremental('bench_inc', src, dst, 'inc_copy')
incremental('bench_del', src, dst, 'inc_copy', delete_missing='hard', key_query='SELECT id FROM items')
"
# The destination starts as a copy of the source.
$py manage.py run_module bench_inc > /dev/null
# Both tables vacuumed, as autovacuum would leave a real table (and might otherwise do in the middle
# of a round): until then their visibility maps are empty, so each side's key read in key order,
# an index-only scan, fetches every heap row too (twice the scan's time at 1M rows).
"${psql[@]}" -d "$src" -c "VACUUM ANALYZE items"
"${psql[@]}" -d "$dst" -c "VACUUM ANALYZE inc_copy"

timed() {
    local t0 t1
    t0=$(now)
    "$@" > "$state/out"
    t1=$(now)
    seconds "$t0" "$t1"
}
# In a terminal: run_module's wall time (a JVM started for the run).
fresh() { timed $py manage.py run_module "$1"; }
# Through the worker: the run's started -> finished (its slot's warm jrunner).
warm() { $py bench/warm_runs.py "$1" 1 | cut -d' ' -f1 | xargs printf '%.2f'; }

# The median of a list of numbers: one round on a shared machine can be far off.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
least() { printf '%s\n' "$@" | sort -g | head -1; }

# rounds HOW: ROUNDS rounds, each module run through HOW (fresh or warm), and their medians and best.
rounds() {
    local pipes=() plains=() hards=() addeds=() round pipe plain hard added
    printf '%-6s %10s %14s %14s %10s %8s\n' round "key pipe" "inc, no del" "inc, hard del" added ratio
    for round in $(seq "$rounds"); do
        "${psql[@]}" -d "$src" -c "DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 10)"
        pipe=$(timed sh -c "$(printf '%q ' "${psql[@]}") -d $src -c 'COPY (SELECT id FROM items) TO STDOUT' \
            | $(printf '%q ' "${psql[@]}") -d $dst -1 -c 'TRUNCATE keys_pipe' -c 'COPY keys_pipe FROM STDIN'")
        plain=$($1 bench_inc)
        hard=$($1 bench_del)
        added=$(echo "$hard - $plain" | bc -l | xargs printf '%.2f')
        printf '%-6s %10s %14s %14s %10s %8s\n' "$round" "$pipe" "$plain" "$hard" "$added" "$(ratio "$added" "$pipe")"
        pipes+=("$pipe")
        plains+=("$plain")
        hards+=("$hard")
        addeds+=("$added")
    done
    pipe=$(median "${pipes[@]}")
    added=$(median "${addeds[@]}")
    printf '%-6s %10s %14s %14s %10s %8s\n' median "$pipe" "" "" "$added" "$(ratio "$added" "$pipe")"
    pipe=$(least "${pipes[@]}")
    plain=$(least "${plains[@]}")
    hard=$(least "${hards[@]}")
    added=$(echo "$hard - $plain" | bc -l | xargs printf '%.2f')
    printf '%-6s %10s %14s %14s %10s %8s\n' best "$pipe" "$plain" "$hard" "$added" "$(ratio "$added" "$pipe")"
}

echo "== $rows rows, PostgreSQL to PostgreSQL, $rounds rounds of 10 rows deleted at the source; load: $(uptime | sed 's/.*load/load/') =="
echo "-- in a terminal (manage.py run_module, wall time, a JVM started for the run):"
rounds fresh
echo "-- through a worker (the run's started -> finished, the slot's warm jrunner):"
start_worker
warm bench_inc > /dev/null   # the slot's JVM started and its code warmed up, as a worker's is
warm bench_del > /dev/null
rounds warm
echo "(ratio: added time / key pipe; goal <= 1.50. median: the median of each column; best: the"
echo " fastest of each, the rounds least slowed by other work, added = best hard - best plain)"
echo "load at the end: $(uptime | sed 's/.*load/load/')"

echo "-- the last hard-delete run's live log:"
$py manage.py shell -c "
from syncs.models import RunLog
print(RunLog.objects.filter(module__name='bench_del').first().live_log)
" 2>/dev/null

# Row by row: the destination equals the source after the hard deletes.
diff <("${psql[@]}" -d "$src" -At -c "SELECT * FROM items ORDER BY id") \
     <("${psql[@]}" -d "$dst" -At -c "SELECT * FROM inc_copy ORDER BY id") > "$state/diff" \
    || { echo "inc_copy differs from items:" >&2; head "$state/diff" >&2; exit 1; }
echo "checked row by row: inc_copy = the source"
