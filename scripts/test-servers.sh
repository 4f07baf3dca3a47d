#!/usr/bin/env bash
# Run COMMAND with throw-away PostgreSQL and MariaDB servers of its own:
#
#   scripts/test-servers.sh COMMAND [ARG...]
#
# Both servers live in a fresh temporary directory, listen on 127.0.0.1 on free ports (and on
# sockets in that directory), trust every local login (PostgreSQL `postgres`, MariaDB `root`
# with an empty password), and run as the invoking user, or as the system user pipekit-test
# when that is root (initdb refuses root). COMMAND gets PIPEKIT_TEST_PG_HOST/_PORT and
# PIPEKIT_TEST_MARIA_HOST/_PORT; tests/dbs.py reads them. Whatever happens, both servers are
# stopped and the directory removed at the end; the exit status is COMMAND's. The system's own
# servers and their configuration are never touched: root is needed only to install missing
# Debian packages. Several runs at once (other checkouts too) each get their own servers.
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
"$here/system-packages.sh" postgresql mariadb-server || exit 1

say() { echo "test-servers: $*" >&2; }
die() { say "$*"; exit 1; }

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pg_bin/initdb" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
[ -x "$mariadbd" ] || die "mariadbd not found"
for tool in mariadb-install-db mariadb python3 setsid; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

# The servers' user: the invoking one, or a dedicated unprivileged one for root.
user=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
    user=pipekit-test
    if ! id -u "$user" >/dev/null 2>&1; then
        # A concurrent run may create it first; only its absence afterwards is an error.
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "Pipekit test servers" "$user" 2>/dev/null
        id -u "$user" >/dev/null 2>&1 || die "cannot create the system user $user"
    fi
fi
# A prefix, not a function: a backgrounded function is a subshell whose pid is not the server's.
as_user=()
[ "$(id -u)" -eq 0 ] && as_user=(setpriv --reuid="$user" --regid="$user" --init-groups --reset-env --)

# /tmp rather than a TMPDIR the dedicated user might not be able to reach.
[ "$(id -u)" -eq 0 ] && export TMPDIR=/tmp
dir=$(mktemp -d -t pipekit-test-servers.XXXXXXXX) || die "cannot make a temporary directory"
chmod 700 "$dir"
[ "$user" = "$(id -un)" ] || chown "$user:" "$dir"

pg_pid="" maria_pid="" child=""
# Whether a process runs (an exited child stays a zombie until waited for; kill -0 sees it).
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# Stop a server started by this script: SIGNAL, then SIGKILL if it still runs after 30 s.
stop() {
    [ -n "$2" ] || return 0
    kill "-$1" "$2" 2>/dev/null
    for _ in $(seq 300); do alive "$2" || break; sleep 0.1; done
    kill -KILL "$2" 2>/dev/null
    wait "$2" 2>/dev/null
}
stop_servers() {
    trap '' INT TERM HUP
    # Fast shutdowns: INT for PostgreSQL (on TERM it would wait for its clients to leave).
    stop INT "$pg_pid"
    stop TERM "$maria_pid"
    rm -rf "$dir"
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
show_log() { say "$1; its log:"; sed 's/^/    /' "$2" >&2; }

# PostgreSQL: trust for everyone, fast rather than durable (the data dies with the run).
"${as_user[@]}" "$pg_bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$dir/initdb.log" 2>&1 || { show_log "initdb failed" "$dir/initdb.log"; exit 1; }
cat >>"$dir/pg/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
max_connections = 100
shared_buffers = 128MB
logging_collector = off
EOF
# Asked through its socket in $dir: on the port, another server might answer.
pg_ready() { "$pg_bin/pg_isready" -q -h "$dir" -p "$pg_port" -U postgres -d postgres; }
for attempt in 1 2 3 4 5; do
    pg_port=$(free_port)
    # setsid: a Ctrl-C meant for COMMAND does not reach the servers; stop_servers stops them.
    "${as_user[@]}" setsid "$pg_bin/postgres" -D "$dir/pg" -p "$pg_port" >"$dir/pg.log" 2>&1 </dev/null &
    pg_pid=$!
    for _ in $(seq 600); do
        pg_ready && break
        alive "$pg_pid" || break
        sleep 0.1
    done
    pg_ready && break
    # Another process took the port in between: try another one.
    stop INT "$pg_pid"; pg_pid=""
    [ "$attempt" -lt 5 ] && grep -q "could not bind" "$dir/pg.log" && continue
    show_log "PostgreSQL did not start" "$dir/pg.log"
    exit 1
done

# MariaDB: root without a password, over TCP too; LOAD DATA LOCAL INFILE allowed (jrunner's -b).
# Its own tmpdir, in bootstrap too: a starting mariadbd deletes the #sql files of its tmpdir.
"${as_user[@]}" mariadb-install-db --no-defaults --datadir="$dir/maria" --tmpdir="$dir" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
    >"$dir/maria-install.log" 2>&1 ||
    { show_log "mariadb-install-db failed" "$dir/maria-install.log"; exit 1; }
maria() { mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$maria_port" -uroot "$@"; }
for attempt in 1 2 3 4 5; do
    maria_port=$(free_port)
    rm -f "$dir/maria.log"
    "${as_user[@]}" setsid "$mariadbd" --no-defaults --datadir="$dir/maria" --port="$maria_port" \
        --bind-address=127.0.0.1 --socket="$dir/maria.sock" --pid-file="$dir/maria.pid" \
        --log-error="$dir/maria.log" --tmpdir="$dir" --skip-name-resolve --skip-log-bin --local-infile=1 \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
        --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
        --max-connections=200 \
        >"$dir/maria.out" 2>&1 </dev/null &
    maria_pid=$!
    for _ in $(seq 600); do
        mariadb --no-defaults --socket="$dir/maria.sock" -uroot -e 'select 1' >/dev/null 2>&1 && break
        alive "$maria_pid" || break
        sleep 0.1
    done
    if alive "$maria_pid"; then
        # The grant tables name root@localhost; TCP logins come from 127.0.0.1.
        mariadb --no-defaults --socket="$dir/maria.sock" -uroot -e "
            CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
            GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" 2>>"$dir/maria.log" &&
            maria -e 'select 1' >/dev/null 2>&1 && break
    fi
    stop TERM "$maria_pid"; maria_pid=""
    [ "$attempt" -lt 5 ] && grep -q "Can't start server: Bind on TCP/IP port" "$dir/maria.log" && continue
    show_log "MariaDB did not start" "$dir/maria.log"
    exit 1
done

export PIPEKIT_TEST_PG_HOST=127.0.0.1 PIPEKIT_TEST_PG_PORT=$pg_port
export PIPEKIT_TEST_MARIA_HOST=127.0.0.1 PIPEKIT_TEST_MARIA_PORT=$maria_port
say "PostgreSQL on 127.0.0.1:$pg_port, MariaDB on 127.0.0.1:$maria_port (in $dir, as $user)"

# COMMAND runs in the background, so that a TERM or HUP sent to this script alone is passed on
# at once (with a foreground child, bash runs the trap only after the child ends). It keeps
# this script's stdin, and SIGINT, which bash would have it ignore: a Ctrl-C at the terminal
# reaches it directly, so the INT trap only waits for it to end.
( trap - INT QUIT; exec "$@" ) <&0 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -HUP "$child" 2>/dev/null' HUP
trap ':' INT
while :; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break
done
exit "$status"
