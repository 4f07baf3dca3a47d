# What the PostgreSQL-to-PostgreSQL benchmark scripts share; they source it after setting `name`
# (the prefix of their databases' names). BENCH_PG_HOST / BENCH_PG_PORT / BENCH_PG_USER say where
# PostgreSQL is (default 127.0.0.1:5432 as postgres, no password).
host=${BENCH_PG_HOST:-127.0.0.1}
port=${BENCH_PG_PORT:-5432}
user=${BENCH_PG_USER:-postgres}
psql=(psql -h "$host" -p "$port" -U "$user" -X -q -v ON_ERROR_STOP=1)
# A source and a destination database and a Pipekit state directory for this run, gone at its end.
src=${name}_src_$$
dst=${name}_dst_$$
statedb=${name}_state_$$
state=$(mktemp -d)
worker=
cleanup() {
    if [ -n "$worker" ]; then
        kill "$worker" 2>/dev/null
        wait "$worker" 2>/dev/null || true
    fi
    for db in $src $dst $statedb; do "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done
    rm -rf "$state"
}
trap cleanup EXIT
"${psql[@]}" -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"

now() { date +%s.%N; }
seconds() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }

# The benchmarks' table: rows with text, numbers and microsecond timestamps.
columns="id bigint PRIMARY KEY, name text, amount numeric(12,2), updated_at timestamp(6)"
fill() {  # fill FROM TO: add the source's items with ids FROM..TO
    "${psql[@]}" -d "$src" -c "INSERT INTO items SELECT g, md5(g::text) || ' ' || g, (g % 100000) / 100.0,
        timestamp '2024-01-01' + g * interval '1 second' + (g % 1000000) * interval '1 microsecond'
        FROM generate_series($1, $2) g" -c "ANALYZE items"
}

# Pipekit's state for the run: its own config (plus the lines given as arguments), state database
# and secrets file, migrated, with the drivers known. PYTHON names another Python (default the venv's).
pipekit_state() {
    printf '%s\n' "database: ${state_database:-$state/state.db}" "secret_key_file: $state/secret_key" \
        "secrets_file: $state/secrets.env" "$@" > "$state/config.yaml"
    export PIPEKIT_CONFIG=$state/config.yaml
    py=${PYTHON:-.venv/bin/python}
    $py manage.py migrate --no-input -v 0
    $py manage.py drivers sync > /dev/null
}

# The same with the state in a PostgreSQL database of its own and the run queue (executor: queue),
# so that start_worker can run the modules.
pipekit_state_on_postgres() {
    "${psql[@]}" -d postgres -c "CREATE DATABASE $statedb"
    state_database=postgres://$user@$host:$port/$statedb pipekit_state "executor: queue" "$@"
}

# A `manage.py worker --concurrency 1` in the background, stopped at the end.
start_worker() {
    $py manage.py worker --concurrency 1 > "$state/worker.log" 2>&1 &
    worker=$!
}
