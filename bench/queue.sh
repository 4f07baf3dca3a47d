#!/usr/bin/env bash
# Run queue benchmark (issue 13, item 8), PostgreSQL to PostgreSQL, side by side in one run:
#   1. RUNS runs (default 200) of MODULES full-refresh modules (20) of ROWS rows (10,000) each,
#      started as the web and the API start them (bench/queue_runs.py: start_detached_run, each
#      module's next run as soon as its last one ends), through the local executor (a detached
#      manage.py process per run), then through two `manage.py worker` processes
#      (executor: queue): runs per minute and the median run, started -> finished
#   2. an incremental run that finds nothing new, ROUNDS times (5) each: through a worker, and
#      through `manage.py run_module` in the foreground (started -> finished, and wall time)
# Both executors share one PostgreSQL state database; only config.yaml's executor differs.
# Usage: bench/queue.sh [RUNS] [MODULES] [ROWS] [ROUNDS]. BENCH_PG_HOST / BENCH_PG_PORT /
# BENCH_PG_USER say where PostgreSQL is (default 127.0.0.1:5432 as postgres, no password);
# PYTHON names the Python with Pipekit's packages (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
modules=${2:-20}
rows=${3:-10000}
rounds=${4:-5}
host=${BENCH_PG_HOST:-127.0.0.1}
port=${BENCH_PG_PORT:-5432}
user=${BENCH_PG_USER:-postgres}
psql=(psql -h "$host" -p "$port" -U "$user" -X -q -v ON_ERROR_STOP=1)
py=${PYTHON:-.venv/bin/python}
src=pk_bench_q_src_$$
dst=pk_bench_q_dst_$$
statedb=pk_bench_q_state_$$
state=$(mktemp -d)
workers=()
cleanup() {
    # The workers this script started, stopped as systemd does (SIGTERM), before their database goes.
    for pid in "${workers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${workers[@]}"; do wait "$pid" 2>/dev/null || true; done
    "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $src WITH (FORCE)" \
        -c "DROP DATABASE IF EXISTS $dst WITH (FORCE)" -c "DROP DATABASE IF EXISTS $statedb WITH (FORCE)"
    rm -rf "$state"
}
trap cleanup EXIT

now() { date +%s.%N; }
seconds() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
value() { awk -v key="$1" '$1 == key { print $2 }' "$2"; }
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), load: $(uptime | sed 's/.*load average: //')"
columns="id bigint PRIMARY KEY, name text, amount numeric(12,2), updated_at timestamp(6)"
"${psql[@]}" -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" -c "CREATE DATABASE $statedb"
"${psql[@]}" -d "$src" <<SQL
CREATE TABLE items ($columns);
INSERT INTO items SELECT g, md5(g::text) || ' ' || g, (g % 100000) / 100.0,
    timestamp '2024-01-01' + g * interval '1 second' FROM generate_series(1, $rows) g;
CREATE INDEX ON items (updated_at);
ANALYZE items;
SQL
for i in $(seq "$modules"); do echo "CREATE TABLE copy_$i ($columns);"; done | "${psql[@]}" -d "$dst"
"${psql[@]}" -d "$dst" -c "CREATE TABLE inc_copy ($columns)" -c "CREATE INDEX ON inc_copy (updated_at)"

# One state database, two configs that differ only in the executor.
for executor in local queue; do
    cat >"$state/$executor.yaml" <<YAML
database: postgres://$user@$host:$port/$statedb
executor: $executor
secret_key_file: $state/secret_key
secrets_file: $state/secrets.env
YAML
done
export PIPEKIT_CONFIG=$state/queue.yaml
$py manage.py migrate --no-input -v 0
$py manage.py drivers sync >/dev/null
$py manage.py shell -v 0 -c "
from bench.modules import connections, incremental, module
src, dst = connections('$host', $port, '$user', '$src', '$dst')
for i in range(1, $modules + 1):
    module(f'bench_q_{i:02}', src, dst, f'copy_{i}')
incremental('bench_inc', src, dst, 'inc_copy')
"

echo "== $runs runs of $modules modules of $rows rows, PostgreSQL to PostgreSQL =="
failed=0
PIPEKIT_CONFIG=$state/local.yaml $py bench/queue_runs.py many "$runs" bench_q_ >"$state/local.out" || failed=1
echo "local executor done, load: $(uptime | sed 's/.*load average: //')"

for name in bench-w1 bench-w2; do
    $py manage.py worker --name "$name" >"$state/$name.log" 2>&1 &
    workers+=($!)
done
for _ in $(seq 600); do
    [ "$("${psql[@]}" -d "$statedb" -Atc 'SELECT count(*) FROM procrastinate_workers')" -ge 2 ] && break
    sleep 0.1
done
$py bench/queue_runs.py many "$runs" bench_q_ >"$state/queue.out" || failed=1
echo "two workers done, load: $(uptime | sed 's/.*load average: //')"

printf '%-26s %9s %12s %16s %12s %10s %7s\n' executor runs/min "median run" "median queued->end" "most at once" processes failed
for executor in local queue; do
    out=$state/$executor.out
    label="local (detached processes)"
    [ $executor = local ] || label="queue (2 workers)"
    printf '%-26s %9s %10s s %14s s %12s %10s %7s\n' "$label" "$(value runs_per_minute "$out")" \
        "$(value median_run_s "$out")" "$(value median_queued_s "$out")" "$(value most_at_once "$out")" \
        "$(value processes "$out")" "$(value failed "$out")"
done

echo "== an incremental run that finds nothing new, $rounds rounds =="
PIPEKIT_CONFIG=$state/local.yaml $py manage.py run_module bench_inc >/dev/null # the first load
last_run="SELECT extract(epoch FROM finished_at - started_at) FROM syncs_runlog
    WHERE module_id = (SELECT id FROM syncs_module WHERE name = 'bench_inc') ORDER BY id DESC LIMIT 1"
for _ in $(seq "$rounds"); do
    t0=$(now)
    PIPEKIT_CONFIG=$state/local.yaml $py manage.py run_module bench_inc >/dev/null
    t1=$(now)
    echo "$(seconds "$t0" "$t1")" >>"$state/cli_wall"
    "${psql[@]}" -d "$statedb" -Atc "$last_run" >>"$state/cli_run"
    $py bench/queue_runs.py one bench_inc >"$state/one.out" || failed=1
    value run_s "$state/one.out" >>"$state/worker_run"
    value queued_s "$state/one.out" >>"$state/worker_queued"
done
echo "manage.py run_module:  started→finished $(median <"$state/cli_run") s, wall time of the command $(median <"$state/cli_wall") s"
echo "through a worker:      started→finished $(median <"$state/worker_run") s, queued→finished $(median <"$state/worker_queued") s"
echo "(medians of $rounds; load: $(uptime | sed 's/.*load average: //'))"
[ $failed = 0 ] || { echo "some runs did not succeed (their errors above)" >&2; exit 1; }
