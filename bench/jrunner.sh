#!/usr/bin/env bash
# Benchmark jrunner's load paths against native baselines, all in one run (see bench/README.md).
#   bench/jrunner.sh                 1,000,000 rows (BENCH_ROWS to change)
# Needs: PostgreSQL and MariaDB as in the test setup, psql, mysql, pgloader, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_ROWS:-1000000}
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}
PG_PORT=${BENCH_PG_PORT:-5432}
PG_USER=${BENCH_PG_USER:-postgres}
MY_HOST=${BENCH_MARIADB_HOST:-127.0.0.1}
MY_PORT=${BENCH_MARIADB_PORT:-3306}
MY_USER=${BENCH_MARIADB_USER:-root}
SRC=pk_bench_src
DST=pk_bench_dst
JRUNNER=jrunner/bin/jrunner
PG_SRC="jdbc:postgresql://$PG_HOST:$PG_PORT/$SRC"
PG_DST="jdbc:postgresql://$PG_HOST:$PG_PORT/$DST"
MY_SRC="jdbc:mariadb://$MY_HOST:$MY_PORT/$SRC"
MY_DST="jdbc:mariadb://$MY_HOST:$MY_PORT/$DST"
COLUMNS="id, n, name, body, amount, day, at, flag, code"

for tool in psql mysql pgloader /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
make -s jrunner

work=$(mktemp -d)
pg() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$@"; }
my() { mysql -h "$MY_HOST" -P "$MY_PORT" -u "$MY_USER" "$@"; }
cleanup() {
    pg -d postgres -c "DROP DATABASE IF EXISTS $SRC WITH (FORCE)" -c "DROP DATABASE IF EXISTS $DST WITH (FORCE)" || true
    my -e "DROP DATABASE IF EXISTS $SRC; DROP DATABASE IF EXISTS $DST" || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "== setting up $ROWS rows"
pg -d postgres -c "DROP DATABASE IF EXISTS $SRC WITH (FORCE)" -c "DROP DATABASE IF EXISTS $DST WITH (FORCE)" \
    -c "CREATE DATABASE $SRC" -c "CREATE DATABASE $DST"
my -e "DROP DATABASE IF EXISTS $SRC; DROP DATABASE IF EXISTS $DST;
       CREATE DATABASE $SRC CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
       CREATE DATABASE $DST CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
PG_TABLE="CREATE TABLE bench (id bigint, n int, name varchar(50), body text, amount numeric(14,4), day date,
    at timestamp(6), flag boolean, code char(8))"
MY_TABLE="CREATE TABLE bench (id bigint, n int, name varchar(50), body text, amount decimal(14,4), day date,
    at datetime(6), flag boolean, code char(8))"
pg -d "$SRC" -c "$PG_TABLE"
pg -d "$DST" -c "$PG_TABLE"
my "$SRC" -e "$MY_TABLE"
my "$DST" -e "$MY_TABLE"
# One row in ten NULL text, one in ten full of the characters a text format must escape.
pg -d "$SRC" -c "INSERT INTO bench
    SELECT i, (i::bigint * 7919) % 1000003, 'name ' || i,
           CASE i % 10 WHEN 0 THEN NULL
                       WHEN 1 THEN E'tab\there, new\nline, cr\r, back\\\\slash, \"quotes\" ''n'' \\\\N é😀'
                       ELSE md5(i::text) || ' ' || md5((i + 1)::text) END,
           (i * 1.2345)::numeric(14,4), date '2000-01-01' + i % 9000,
           timestamp '2020-01-01' + i * interval '1.000001 second', i % 3 = 0, lpad((i % 1000)::text, 6, '0')
    FROM generate_series(1, $ROWS) i" -c "VACUUM ANALYZE bench"
echo "SELECT $COLUMNS FROM bench" > "$work/select.sql"
echo "SELECT b.id, b.n, b.name, b.body, b.amount, b.day, b.at, b.flag, b.code
      FROM bench b CROSS JOIN generate_series(1, 3)" > "$work/select3.sql"

results=()
record() { results+=("$(printf '%-44s %9s %9s %12s' "$1" "$2" "$3" "$4")"); }
count_pg() { pg -d "$DST" -At -c "SELECT count(*) FROM bench"; }
count_my() { my "$DST" -N -e "SELECT count(*) FROM bench"; }

# jrunner LABEL SOURCE_URL SOURCE_USER DEST_URL DEST_USER SQL_FILE [FLAGS...]: time, peak RSS, rows/s.
jr() {
    local label=$1 src=$2 src_user=$3 dst=$4 dst_user=$5 sql=$6
    shift 6
    /usr/bin/time -f "%e %M" -o "$work/time" "$JRUNNER" -scu "$src" -scn "$src_user" -sq "$sql" \
        -dcu "$dst" -dcn "$dst_user" -dt bench -c "$@" > "$work/out"
    read -r secs rss < "$work/time"
    local rows
    rows=$(tail -n 1 "$work/out" | cut -d' ' -f1)
    record "$label" "$secs" "$((rss / 1024))" "$(awk "BEGIN { printf \"%d\", $rows / $secs }")"
    echo "$label: $(tail -n 1 "$work/out") in ${secs}s, peak RSS $((rss / 1024)) MB"
    eval "t_${label//[^a-zA-Z0-9]/_}=$secs m_${label//[^a-zA-Z0-9]/_}=$((rss / 1024))"
}

# timed LABEL COMMAND...: wall time of a baseline.
timed() {
    local label=$1 start end secs
    shift
    start=$(date +%s.%N)
    "$@" > "$work/baseline.log" 2>&1 || { cat "$work/baseline.log" >&2; exit 1; }
    end=$(date +%s.%N)
    secs=$(awk "BEGIN { printf \"%.2f\", $end - $start }")
    record "$label" "$secs" "-" "$(awk "BEGIN { printf \"%d\", $ROWS / $secs }")"
    echo "$label: ${secs}s"
    eval "t_${label//[^a-zA-Z0-9]/_}=$secs"
}

check() {
    [ "$1" = "$2" ] || { echo "bench: expected $2 rows in the destination, found $1" >&2; exit 1; }
}

copy_pipe() {
    pg -d "$DST" -c "TRUNCATE bench"
    pg -d "$SRC" -c "COPY (SELECT $COLUMNS FROM bench) TO STDOUT" | pg -d "$DST" -c "COPY bench FROM STDIN"
}

cat > "$work/pgloader.load" <<LOAD
LOAD DATABASE
  FROM mysql://$MY_USER@$MY_HOST:$MY_PORT/$SRC
  INTO postgresql://$PG_USER@$PG_HOST:$PG_PORT/$DST
  WITH data only, truncate
  INCLUDING ONLY TABLE NAMES MATCHING 'bench'
  ALTER SCHEMA '$SRC' RENAME TO 'public';
LOAD

echo "== PostgreSQL -> PostgreSQL"
timed "PG->PG psql COPY pipe (baseline)" copy_pipe
check "$(count_pg)" "$ROWS"
jr "PG->PG jrunner -b (copy)" "$PG_SRC" "$PG_USER" "$PG_DST" "$PG_USER" "$work/select.sql" -b
check "$(count_pg)" "$ROWS"
jr "PG->PG jrunner batch-insert" "$PG_SRC" "$PG_USER" "$PG_DST" "$PG_USER" "$work/select.sql"
check "$(count_pg)" "$ROWS"

echo "== PostgreSQL -> MariaDB"
jr "PG->MariaDB jrunner -b (load-data)" "$PG_SRC" "$PG_USER" "$MY_DST" "$MY_USER" "$work/select.sql" -b
check "$(count_my)" "$ROWS"
jr "PG->MariaDB jrunner batch-insert" "$PG_SRC" "$PG_USER" "$MY_DST" "$MY_USER" "$work/select.sql"
check "$(count_my)" "$ROWS"
my -e "INSERT INTO $SRC.bench SELECT * FROM $DST.bench"

echo "== MariaDB -> PostgreSQL"
timed "MariaDB->PG pgloader (baseline)" pgloader "$work/pgloader.load"
check "$(count_pg)" "$ROWS"
jr "MariaDB->PG jrunner -b (copy)" "$MY_SRC" "$MY_USER" "$PG_DST" "$PG_USER" "$work/select.sql" -b
check "$(count_pg)" "$ROWS"
jr "MariaDB->PG jrunner batch-insert" "$MY_SRC" "$MY_USER" "$PG_DST" "$PG_USER" "$work/select.sql"
check "$(count_pg)" "$ROWS"

echo "== peak memory at 3x the rows"
jr "PG->PG jrunner -b (copy), 3x rows" "$PG_SRC" "$PG_USER" "$PG_DST" "$PG_USER" "$work/select3.sql" -b
check "$(count_pg)" "$((ROWS * 3))"
jr "PG->MariaDB jrunner -b (load-data), 3x rows" "$PG_SRC" "$PG_USER" "$MY_DST" "$MY_USER" "$work/select3.sql" -b
check "$(count_my)" "$((ROWS * 3))"

ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
echo
echo "jrunner benchmark: $ROWS rows, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m)"
printf '%-44s %9s %9s %12s\n' "measurement" "seconds" "RSS MB" "rows/s"
printf '%s\n' "${results[@]}"
echo
echo "PG->PG -b / COPY pipe time:            $(ratio "$t_PG__PG_jrunner__b__copy_" "$t_PG__PG_psql_COPY_pipe__baseline_")  (goal <= 1.30)"
echo "pgloader / MariaDB->PG -b time:        $(ratio "$t_MariaDB__PG_pgloader__baseline_" "$t_MariaDB__PG_jrunner__b__copy_")  (goal >= 2.00)"
echo "PG->PG batch / -b time:                $(ratio "$t_PG__PG_jrunner_batch_insert" "$t_PG__PG_jrunner__b__copy_")"
echo "PG->MariaDB batch / -b time:           $(ratio "$t_PG__MariaDB_jrunner_batch_insert" "$t_PG__MariaDB_jrunner__b__load_data_")"
echo "MariaDB->PG batch / -b time:           $(ratio "$t_MariaDB__PG_jrunner_batch_insert" "$t_MariaDB__PG_jrunner__b__copy_")"
echo "peak RSS 1x / 3x rows, PG->PG -b:       ${m_PG__PG_jrunner__b__copy_} MB / ${m_PG__PG_jrunner__b__copy___3x_rows} MB  (goal: equal, < 400 MB)"
echo "peak RSS 1x / 3x rows, PG->MariaDB -b:  ${m_PG__MariaDB_jrunner__b__load_data_} MB / ${m_PG__MariaDB_jrunner__b__load_data___3x_rows} MB  (goal: equal, < 400 MB)"
