#!/usr/bin/env bash
# Make sure PostgreSQL and MariaDB run on 127.0.0.1 for the test suite: install them when
# missing, start them when stopped, and let the local root reach them without a password.
set -euo pipefail
here=$(dirname "$0")
"$here/system-packages.sh" postgresql mariadb-server

both_up() {
    psql -h 127.0.0.1 -U postgres -w -tAc 'select 1' >/dev/null 2>&1 &&
        mariadb -uroot -h127.0.0.1 -e 'select 1' >/dev/null 2>&1
}
# Starting the servers and opening them to the tests takes root; checking them does not.
if [ "$(id -u)" -ne 0 ]; then
    both_up && { echo "services: PostgreSQL and MariaDB are up"; exit 0; }
    exec sudo "$0" "$@"
fi

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_up; then
    version=$(ls /etc/postgresql | sort -n | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
# A fresh install asks for passwords on TCP; the tests use trust on loopback like this machine.
if ! psql -h 127.0.0.1 -U postgres -w -tAc 'select 1' >/dev/null 2>&1; then
    hba=$(su postgres -c "psql -tAc 'show hba_file'")
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    su postgres -c "psql -tAc 'select pg_reload_conf()'" >/dev/null
fi

maria_up() { mariadb -uroot -h127.0.0.1 -e 'select 1' >/dev/null 2>&1; }
if ! maria_up; then
    if ! mariadb-admin ping >/dev/null 2>&1; then
        mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
        for _ in $(seq 30); do mariadb-admin ping >/dev/null 2>&1 && break; sleep 1; done
    fi
    # A fresh install lets root in only through the socket.
    maria_up || mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;"
    for _ in $(seq 30); do maria_up && break; sleep 1; done
fi
maria_up || { echo "MariaDB does not answer on 127.0.0.1:3306 as root" >&2; exit 1; }
echo "services: PostgreSQL and MariaDB are up"
