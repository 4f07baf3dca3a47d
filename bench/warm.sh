#!/usr/bin/env bash
# Warm jrunner benchmark (issue 14), PostgreSQL to PostgreSQL on the local server, in one run:
# Pipekit through a worker (executor: queue, its slot's warm jrunner) side by side with Sling 1.4
# and the psql COPY pipe, each goal's ratio printed beside it:
#   - an incremental run that finds nothing new (20,000 rows): <= 0.15 s started -> finished, <= 1/3 Sling
#   - a full refresh of 20,000 rows: <= 1/2 Sling
#   - an incremental run with 1% of ROWS changed: <= 0.2 x the full refresh of ROWS, <= 1/2 Sling
#   - a full refresh of ROWS: <= 1.2 x the COPY pipe
#   - the warm JVM's resident memory after 1,000 small runs within 10% of after 10
# Usage: bench/warm.sh [ROWS] [SMALL_RUNS]   (defaults 1000000 and 1000).
# Pipekit's figure is the run's started -> finished (its run page); "wall" adds the queue's pick-up.
# Sling (the sling-linux-amd64 wheel, which bundles its binary) is installed into a throwaway venv.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
small_runs=${2:-1000}
small=20000
changed=$((rows / 100))
psql=(psql -h 127.0.0.1 -U postgres -X -q -v ON_ERROR_STOP=1)
src=pk_warm_src_$$
dst=pk_warm_dst_$$
statedb=pk_warm_state_$$
state=$(mktemp -d)
worker=
cleanup() {
    [ -n "$worker" ] && kill "$worker" 2>/dev/null && wait "$worker" 2>/dev/null
    for db in $src $dst $statedb; do "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done
    rm -rf "$state"
}
trap cleanup EXIT

now() { date +%s.%N; }
seconds() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
# goal LABEL VALUE LIMIT: print VALUE against its goal.
goal() { echo "$1 = $2 (goal <= $3): $(echo "$2 <= $3" | bc -l | sed 's/1/holds/;s/0/MISSED/')"; }

echo "== installing Sling 1.4 into a throwaway venv =="
python3 -m venv "$state/sling"
"$state/sling/bin/pip" install -q sling-linux-amd64==1.4.11
sling=$("$state/sling/bin/python" -c \
    'import os, sling_linux_amd64 as s; print(os.path.join(os.path.dirname(s.__file__), "bin", "sling-linux-amd64"))')
export SLING_HOME_DIR=$state/sling-home
export SLING_SRC="postgresql://postgres@127.0.0.1:5432/$src?sslmode=disable"
export SLING_DST="postgresql://postgres@127.0.0.1:5432/$dst?sslmode=disable"
# sling_run ARGS: Sling's wall time for one run, its output kept out of the figures.
sling_run() {
    local t0 t1
    t0=$(now)
    "$sling" run --src-conn SLING_SRC --tgt-conn SLING_DST "$@" > "$state/sling.log" 2>&1 \
        || { cat "$state/sling.log" >&2; exit 1; }
    t1=$(now)
    seconds "$t0" "$t1"
}

columns="id bigint PRIMARY KEY, name text, amount numeric(12,2), updated_at timestamp(6)"
for db in $src $dst $statedb; do "${psql[@]}" -d postgres -c "CREATE DATABASE $db"; done
for table in items small; do
    n=$rows
    [ $table = small ] && n=$small
    "${psql[@]}" -d "$src" <<SQL
CREATE TABLE $table ($columns);
INSERT INTO $table SELECT g, md5(g::text) || ' ' || g, (g % 100000) / 100.0,
    timestamp '2024-01-01' + g * interval '1 second' + (g % 1000000) * interval '1 microsecond'
    FROM generate_series(1, $n) g;
CREATE INDEX ON $table (updated_at);
ANALYZE $table;
SQL
done
for table in pipe full_big full_small inc_big inc_small; do
    "${psql[@]}" -d "$dst" -c "CREATE TABLE $table ($columns)" -c "CREATE INDEX ON $table (updated_at)"
done

# Pipekit state on PostgreSQL with the run queue, and one worker.
cat > "$state/config.yaml" <<YAML
database: postgres://postgres@127.0.0.1:5432/$statedb
executor: queue
secret_key_file: $state/secret_key
secrets_file: $state/secrets.env
YAML
export PIPEKIT_CONFIG=$state/config.yaml
py=/work/main/.venv/bin/python
[ -x .venv/bin/python ] && py=.venv/bin/python
$py manage.py migrate --no-input -v 0
$py manage.py drivers sync > /dev/null
$py manage.py shell -c "
from bench.modules import connections, incremental, module
src, dst = connections('127.0.0.1', 5432, 'postgres', '$src', '$dst')
for size, table in (('big', 'items'), ('small', 'small')):
    module(f'full_{size}', src, dst, f'full_{size}', source=table)
    incremental(f'inc_{size}', src, dst, f'inc_{size}', source=table)
"
$py manage.py worker --concurrency 1 > "$state/worker.log" 2>&1 &
worker=$!
sleep 3
# runs MODULE N: "median started->finished, median enqueued->finished, warm JVM RSS KiB, its pid" of N runs.
runs() { $py bench/warm_runs.py "$@"; }
runs full_small 2 > /dev/null   # the worker's JVM started and warmed up, as a worker's is

echo "== PostgreSQL to PostgreSQL; load: $(uptime | sed 's/.*load/load/') =="
t0=$(now)
"${psql[@]}" -d "$src" -c "COPY (SELECT id, name, amount, updated_at FROM items) TO STDOUT" \
    | "${psql[@]}" -d "$dst" -1 -c "TRUNCATE pipe" -c "COPY pipe FROM STDIN"
t1=$(now)
pipe=$(seconds "$t0" "$t1")
echo "COPY pipe, $rows rows: $pipe s"

read -r full_big full_big_wall _ <<< "$(runs full_big 1)"
sling_full_big=$(sling_run --src-stream public.items --tgt-object public.sling_full_big --mode full-refresh)
echo "full refresh, $rows rows: Pipekit $full_big s (wall $full_big_wall), Sling $sling_full_big s"
goal "  Pipekit / COPY pipe" "$(ratio "$full_big" "$pipe")" 1.2

read -r full_small full_small_wall _ <<< "$(runs full_small 5)"
sling_full_small=$(sling_run --src-stream public.small --tgt-object public.sling_full_small --mode full-refresh)
echo "full refresh, $small rows (median of 5): Pipekit $full_small s (wall $full_small_wall), Sling $sling_full_small s"
goal "  Pipekit / Sling" "$(ratio "$full_small" "$sling_full_small")" 0.5

# Incremental: both copies start as the source, then 1% of its rows change.
runs inc_big 1 > /dev/null
sling_run --src-stream public.items --tgt-object public.sling_inc_big --mode incremental \
    --primary-key id --update-key updated_at > /dev/null
"${psql[@]}" -d "$src" -c "UPDATE items SET name = name || ' changed', updated_at = updated_at + interval '1 year'
    WHERE id % 100 = 0"
read -r inc_big inc_big_wall _ <<< "$(runs inc_big 1)"
sling_inc_big=$(sling_run --src-stream public.items --tgt-object public.sling_inc_big --mode incremental \
    --primary-key id --update-key updated_at)
echo "incremental, $changed of $rows rows changed: Pipekit $inc_big s (wall $inc_big_wall), Sling $sling_inc_big s"
goal "  Pipekit / its full refresh" "$(ratio "$inc_big" "$full_big")" 0.2
goal "  Pipekit / Sling" "$(ratio "$inc_big" "$sling_inc_big")" 0.5

runs inc_small 1 > /dev/null
sling_run --src-stream public.small --tgt-object public.sling_inc_small --mode incremental \
    --primary-key id --update-key updated_at > /dev/null
read -r none none_wall rss10 pid10 <<< "$(runs inc_small 10)"
sling_none=$(sling_run --src-stream public.small --tgt-object public.sling_inc_small --mode incremental \
    --primary-key id --update-key updated_at)
echo "incremental, nothing new, $small rows (median of 10): Pipekit $none s (wall $none_wall), Sling $sling_none s"
goal "  Pipekit started -> finished" "$none" 0.15
goal "  Pipekit / Sling" "$(ratio "$none" "$sling_none")" 0.33

read -r _ _ rss_many pid_many <<< "$(runs inc_small $((small_runs - 10)))"
same="the same JVM (pid $pid10)"
[ "$pid10" = "$pid_many" ] || same="NOT the same JVM (pids $pid10 and $pid_many): it was replaced"
echo "warm JVM resident memory: $rss10 KiB after 10 runs, $rss_many KiB after $small_runs, $same"
goal "  after $small_runs / after 10" "$(ratio "$rss_many" "$rss10")" 1.10
echo "load at the end: $(uptime | sed 's/.*load/load/')"
