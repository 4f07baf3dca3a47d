#!/usr/bin/env bash
# Install or update Pipekit on this server from this source tree. Run it again at will:
# each step looks first and prints ok (nothing to do), changed or skipped, and the last
# line says whether anything changed.
#
#   sudo deploy/deploy.sh [--prefix DIR] [--user NAME] [--server-name NAME] [--http] [--no-services]
#                         [--workers N] [--no-web]
#
#   --prefix DIR        install here (default /opt/pipekit; env PIPEKIT_PREFIX)
#   --user NAME         service user and group (default pipekit; env PIPEKIT_USER)
#   --server-name NAME  host name people use (default: this host's; env PIPEKIT_SERVER_NAME)
#   --http              plain-HTTP test install: the first config gets https: false
#   --no-services       leave systemd and nginx alone (env PIPEKIT_NO_SERVICES=1); also
#                       automatic when systemd is not running
#   --workers N         run N run workers here, pipekit-worker@1 … @N (env PIPEKIT_WORKERS);
#                       needs executor: queue in config.yaml. 0 stops and disables them all;
#                       without the option, the workers enabled or running here stay so
#   --no-web            a host for workers only: no web service, nginx site or static files
#                       (env PIPEKIT_NO_WEB=1)
#
# Layout: DIR/app (the code), DIR/venv, DIR/etc (config.yaml, secret_key and the rendered
# systemd units and nginx site, root's), DIR/etc/secrets/secrets.env (the service user's, so
# the connection page can set passwords), DIR/var (state database, service user's home),
# DIR/bin/pipekit-manage (manage.py for this installation).
set -euo pipefail
# The service user reads the code, venv and static files as "other"; secret files get their
# mode explicitly.
umask 022

src=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PIPEKIT_PREFIX:-/opt/pipekit}
user=${PIPEKIT_USER:-pipekit}
server_name=${PIPEKIT_SERVER_NAME:-$(hostname -f 2>/dev/null || hostname)}
https=true
services=yes
[ "${PIPEKIT_NO_SERVICES:-}" = 1 ] && services=no
workers=${PIPEKIT_WORKERS:-}
web=yes
[ "${PIPEKIT_NO_WEB:-}" = 1 ] && web=no

die() { echo "deploy.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --user) user=${2:?--user needs a name}; shift 2 ;;
        --server-name) server_name=${2:?--server-name needs a host name}; shift 2 ;;
        --http) https=false; shift ;;
        --no-services) services=no; shift ;;
        --workers) workers=${2:?--workers needs a number}; shift 2 ;;
        --no-web) web=no; shift ;;
        -h | --help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

# These values go into sed expressions and config files: keep them to safe characters.
[[ $prefix =~ ^/[A-Za-z0-9._/-]+$ ]] || die "--prefix must be an absolute path of letters, digits, . _ - /"
[[ $user =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || die "--user must be a lower-case user name"
[[ $server_name =~ ^[A-Za-z0-9.-]+$ ]] || die "--server-name must be a host name"
if [ -n "$workers" ]; then
    [[ $workers =~ ^[0-9]{1,2}$ ]] || die "--workers must be a number from 0 to 99"
    workers=$((10#$workers))
fi
[ "$(id -u)" -eq 0 ] || die "run as root: it creates the service user and installs into $prefix"
prefix=${prefix%/}
group=$user
app=$prefix/app
venv=$prefix/venv
etc=$prefix/etc
var=$prefix/var
config=$etc/config.yaml
manage=$prefix/bin/pipekit-manage
no_systemd=""
if [ $services = no ]; then
    no_systemd=--no-services
elif [ ! -d /run/systemd/system ]; then
    no_systemd="systemd is not running"
fi

worker_instances() { # the numbers of the pipekit-worker@ instances enabled or running here
    [ -z "$no_systemd" ] || return 0
    {
        ls /etc/systemd/system/multi-user.target.wants/ || true
        systemctl list-units --plain --no-legend --state=active 'pipekit-worker@*.service' || true
    } 2>/dev/null | cut -d' ' -f1 | sed -n 's/^pipekit-worker@\([0-9]\{1,\}\)\.service$/\1/p' | sort -n -u
}
current_workers=$(worker_instances)
# The workers this deploy leaves running: 1 … N, or without --workers the ones here now.
wanted_workers=$current_workers
[ -z "$workers" ] || wanted_workers=$(seq 1 "$workers")

require_queue_executor() {
    # Checked before anything changes, by the config loader of the code being deployed: a
    # worker refuses to start with executor: local, and systemd would restart it forever.
    [ -f "$config" ] && [ -x "$venv/bin/python" ] ||
        die "--workers: nothing is installed in $prefix yet. Deploy without --workers first, set database: postgres://… and executor: queue in $config (README.md, \"Scale out\"), then deploy again with --workers"
    local executor
    executor=$(cd "$src" && PIPEKIT_CONFIG=$config "$venv/bin/python" -c '
import sys
from django.core.exceptions import ImproperlyConfigured
from pipekit_site.config import load
try:
    print(load()["executor"])
except ImproperlyConfigured as exc:
    sys.exit(str(exc))' 2>&1) || die "$executor"
    [ "$executor" = queue ] && return
    if [ -n "$workers" ]; then
        die "--workers $workers needs executor: queue, but $config says executor: $executor: runs are then processes of their own on the host that starts them, and a worker would never get one. Set database: postgres://… and executor: queue there (README.md, \"Scale out\"), or deploy without --workers"
    fi
    die "$config says executor: $executor, but workers run here ($(printf 'pipekit-worker@%s ' $wanted_workers | sed 's/ $//')). Set executor: queue there, or stop them with --workers 0"
}
[ -z "$wanted_workers" ] || require_queue_executor
if [ $web = no ] && [ -z "$no_systemd" ] && systemctl is-enabled --quiet pipekit 2>/dev/null; then
    die "--no-web: the pipekit web service is enabled on this host. Stop it first (systemctl disable --now pipekit; rm /etc/nginx/sites-enabled/pipekit; systemctl reload nginx), or deploy without --no-web"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

changes=0
workers_started=no
report() { # report STEP ok|changed|skipped [why]
    printf '%-16s %s%s\n' "$1" "$2" "${3:+ ($3)}"
    [ "$2" != changed ] || changes=$((changes + 1))
}

ensure_dir() { # ensure_dir PATH OWNER GROUP MODE; succeeds only when it changed something
    if [ -d "$1" ] && [ "$(stat -c '%U %G %a' "$1")" = "$2 $3 $4" ]; then return 1; fi
    install -d -o "$2" -g "$3" -m "$4" "$1"
}

install_file() { # install_file SRC DEST MODE; succeeds only when DEST changed
    if cmp -s "$1" "$2" && [ "$(stat -c '%U %a' "$2")" = "root $3" ]; then return 1; fi
    install -o root -g root -m "$3" "$1" "$2"
}

write_secret_file() { # write_secret_file PATH < content; never replaces an existing file
    if [ -e "$1" ]; then return 1; fi
    local new
    new=$(mktemp "$1.XXXXXX") # mode 0600 until it has its owner and mode
    cat >"$new"
    chown "root:$group" "$new"
    chmod 0640 "$new"
    mv "$new" "$1"
}

step_packages() {
    local out packages=(make rsync cron)
    [ $web = no ] || packages+=(nginx ssl-cert)
    out=$("$src/scripts/system-packages.sh" "${packages[@]}" && make -s --no-print-directory -C "$src" system)
    if [ -n "$out" ]; then
        echo "$out"
        report packages changed
    else
        report packages ok
    fi
}

step_user() {
    local changed=no
    if ! getent group "$group" >/dev/null; then
        groupadd --system "$group"
        changed=yes
    fi
    if ! id -u "$user" >/dev/null 2>&1; then
        useradd --system --gid "$group" --home-dir "$var" --no-create-home --shell /usr/sbin/nologin "$user"
        changed=yes
    fi
    [ $changed = yes ] && report "user $user" changed || report "user $user" ok
}

step_dirs() {
    local changed=no
    ensure_dir "$prefix" root root 755 && changed=yes
    ensure_dir "$prefix/bin" root root 755 && changed=yes
    ensure_dir "$app" root root 755 && changed=yes
    ensure_dir "$etc" root "$group" 750 && changed=yes
    ensure_dir "$var" "$user" "$group" 750 && changed=yes
    [ $changed = yes ] && report directories changed || report directories ok
}

step_app() {
    # .gitignore rules keep build output, var/ and local config out of the copy, and keep
    # what the install itself made there (jrunner/bin, var/static) from being deleted.
    local out
    out=$(rsync -a --omit-dir-times --delete --itemize-changes --chown=root:root --chmod=go+rX,go-w \
        --filter=':- .gitignore' --exclude=/.git/ "$src/" "$app/")
    [ -n "$out" ] && report "app files" changed || report "app files" ok
}

step_venv() {
    local changed=no
    if [ ! -x "$venv/bin/python" ]; then
        # Debian's python3: a venv of a python under /root would not run as the service user.
        /usr/bin/python3 -m venv "$venv"
        changed=yes
    fi
    if ! cmp -s "$app/requirements.txt" "$venv/requirements.txt"; then
        PIP_ROOT_USER_ACTION=ignore "$venv/bin/pip" install -q --disable-pip-version-check \
            -r "$app/requirements.txt"
        cp "$app/requirements.txt" "$venv/requirements.txt"
        changed=yes
    fi
    [ $changed = yes ] && report virtualenv changed || report virtualenv ok
}

step_jrunner() {
    if make -s -q --no-print-directory -C "$app" jrunner/bin/jrunner 2>/dev/null; then
        report jrunner ok
    else
        make -s --no-print-directory -C "$app" jrunner/bin/jrunner
        report jrunner changed
    fi
}

step_secret_key() {
    if [ -e "$etc/secret_key" ]; then
        report "secret key" ok
        return
    fi
    # Generated inside python and written straight to the file: never on a command line.
    /usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(64))' | write_secret_file "$etc/secret_key"
    report "secret key" changed
}

step_config() {
    local scheme=https
    [ $https = true ] || scheme=http
    if write_secret_file "$config" <<EOF; then
# Pipekit configuration, written once by deploy/deploy.sh: edit it freely, deploys keep it.
# The keys are described under "Configuration" in README.md. Relative paths are relative
# to this file.
database: ../var/pipekit.db
secret_key_file: secret_key
secrets_file: secrets/secrets.env
jrunner: ../app/jrunner/bin/jrunner
time_zone: UTC
debug: false
https: $https
allowed_hosts: [$server_name, localhost, 127.0.0.1]
base_url: $scheme://$server_name
EOF
        report config.yaml changed
    else
        report config.yaml ok
    fi
}

step_secrets_file() {
    # The connection page stores the passwords typed there, as the service user: the file and
    # its directory are that user's (writing it atomically creates a file beside it).
    local dir=$etc/secrets changed=no
    ensure_dir "$dir" "$user" "$group" 700 && changed=yes
    if [ -f "$etc/secrets.env" ] && [ ! -L "$etc/secrets.env" ]; then
        # An install from before: root's file in root's etc. Move it there, its contents kept,
        # and link its old name, which its config.yaml (never rewritten) names. chown and chmod
        # before the move: in the service user's directory root changes nothing by its name.
        [ ! -e "$dir/secrets.env" ] && [ ! -L "$dir/secrets.env" ] ||
            die "both $etc/secrets.env and $dir/secrets.env exist: keep the one in use, remove the other"
        chown "$user:$group" "$etc/secrets.env"
        chmod 600 "$etc/secrets.env"
        mv -T "$etc/secrets.env" "$dir/secrets.env"
        ln -s secrets/secrets.env "$etc/secrets.env"
        changed=yes
    elif [ ! -e "$dir/secrets.env" ] && [ ! -L "$dir/secrets.env" ]; then
        # Written as the service user, for the same reason.
        echo "# KEY=value lines for \$KEY references. Change them with: sudo $manage secrets set KEY" |
            runuser -u "$user" -- sh -c 'umask 077 && set -C && cat >"$1"' sh "$dir/secrets.env"
        changed=yes
    fi
    [ $changed = yes ] && report "secrets file" changed || report "secrets file" ok
}

step_manage_command() {
    # Root may run `secrets` (a secrets_file of the operator's may be root's; the default one
    # keeps its owner); everything else runs as the service user, so the state database and
    # its files stay the service user's.
    cat >"$tmp/pipekit-manage" <<EOF
#!/bin/sh
# manage.py for the Pipekit installed in $prefix, e.g.: $manage doctor
export PIPEKIT_CONFIG=$config
if [ "\$(id -u)" = 0 ] && [ "\${1:-}" != secrets ]; then
    exec runuser -u $user -- env HOME=$var $manage "\$@"
fi
exec $venv/bin/python $app/manage.py "\$@"
EOF
    install_file "$tmp/pipekit-manage" "$manage" 755 && report pipekit-manage changed || report pipekit-manage ok
}

step_migrate() {
    if "$manage" migrate --check >/dev/null 2>&1; then
        report migrate ok
    else
        "$manage" migrate --no-input -v 0
        report migrate changed
    fi
}

step_static() {
    # Static files belong to root like the code: collect them as root, into app/var/static.
    local out
    out=$(PIPEKIT_CONFIG=$config "$venv/bin/python" "$app/manage.py" collectstatic --no-input | tail -1)
    case $out in
        "0 static files copied"*) report "static files" ok ;;
        *) report "static files" changed "${out%%,*}" ;;
    esac
}

step_drivers() {
    local out
    out=$("$manage" drivers sync)
    [ "$out" = "drivers: nothing changed" ] && report drivers ok || report drivers changed "$out"
}

step_crontab() {
    local before after
    before=$(crontab -u "$user" -l 2>/dev/null || true)
    "$manage" crontab add -v 0
    after=$(crontab -u "$user" -l 2>/dev/null || true)
    [ "$before" = "$after" ] && report crontab ok || report crontab changed
}

step_render() {
    # The units and site as installed here; the services steps copy them into /etc.
    local unit changed=no
    for unit in pipekit.service pipekit-worker@.service; do
        sed -e "s#/opt/pipekit#$prefix#g" -e "s/^User=pipekit$/User=$user/" -e "s/^Group=pipekit$/Group=$group/" \
            "$app/deploy/$unit" >"$tmp/$unit"
        install_file "$tmp/$unit" "$etc/$unit" 644 && changed=yes
    done
    sed -e "s#/opt/pipekit#$prefix#g" -e "s/^\( *server_name\) .*;/\1 $server_name;/" \
        "$app/deploy/nginx/pipekit.conf" >"$tmp/pipekit.nginx"
    install_file "$tmp/pipekit.nginx" "$etc/nginx-pipekit.conf" 644 && changed=yes
    [ $changed = yes ] && report "units, site" changed || report "units, site" ok
}

step_cron() {
    if systemctl is-enabled --quiet cron; then report "enable cron" ok; else
        systemctl enable --quiet cron
        report "enable cron" changed
    fi
    if systemctl is-active --quiet cron; then report "cron" ok; else
        systemctl start cron
        report "cron" changed started
    fi
}

step_web_service() {
    local restart=$code_changed
    if install_file "$etc/pipekit.service" /etc/systemd/system/pipekit.service 644; then
        systemctl daemon-reload
        restart=yes
        report "systemd unit" changed
    else
        report "systemd unit" ok
    fi
    if systemctl is-enabled --quiet pipekit; then report "enable pipekit" ok; else
        systemctl enable --quiet pipekit
        report "enable pipekit" changed
    fi
    # Restarting is safe while loads run: the unit's KillMode=process spares them.
    if ! systemctl is-active --quiet pipekit; then
        systemctl start pipekit
        report "service" changed started
    elif [ $restart = yes ]; then
        systemctl restart pipekit
        report "service" changed restarted
    else
        report "service" ok
    fi
}

step_workers() {
    local restart=$code_changed i unit detail stop=() enable=() start=() again=()
    if install_file "$etc/pipekit-worker@.service" /etc/systemd/system/pipekit-worker@.service 644; then
        systemctl daemon-reload
        restart=yes
        report "worker unit" changed
    else
        report "worker unit" ok
    fi
    for i in $current_workers; do
        grep -qx "$i" <<<"$wanted_workers" || stop+=("pipekit-worker@$i")
    done
    for i in $wanted_workers; do
        unit=pipekit-worker@$i
        systemctl is-enabled --quiet "$unit" || enable+=("$unit")
        if ! systemctl is-active --quiet "$unit"; then
            start+=("$unit")
        elif [ $restart = yes ]; then
            again+=("$unit")
        fi
    done
    # Each stop waits for the worker's graceful stop (its run finishes or is cancelled cleanly);
    # one systemctl call for all of them stops them at the same time.
    [ ${#stop[@]} -eq 0 ] || systemctl disable --now --quiet "${stop[@]}"
    [ ${#enable[@]} -eq 0 ] || systemctl enable --quiet "${enable[@]}"
    [ ${#start[@]} -eq 0 ] || systemctl start "${start[@]}"
    [ ${#again[@]} -eq 0 ] || systemctl restart "${again[@]}"
    [ $((${#start[@]} + ${#again[@]})) -eq 0 ] || workers_started=yes
    detail="$(wc -w <<<"$wanted_workers") running"
    [ ${#stop[@]} -eq 0 ] || detail+=", ${#stop[@]} stopped"
    [ ${#start[@]} -eq 0 ] || detail+=", ${#start[@]} started"
    [ ${#again[@]} -eq 0 ] || detail+=", ${#again[@]} restarted"
    if [ $((${#stop[@]} + ${#enable[@]} + ${#start[@]} + ${#again[@]})) -eq 0 ]; then
        report workers ok "$detail"
    else
        report workers changed "$detail"
    fi
}

step_nginx() {
    local changed=no
    if [ ! -e /etc/ssl/certs/pipekit.pem ] && [ ! -e /etc/ssl/private/pipekit.key ]; then
        # A placeholder until the operator puts the real pair at these two paths.
        [ -e /etc/ssl/certs/ssl-cert-snakeoil.pem ] || make-ssl-cert generate-default-snakeoil
        ln -sfn ssl-cert-snakeoil.pem /etc/ssl/certs/pipekit.pem
        ln -sfn ssl-cert-snakeoil.key /etc/ssl/private/pipekit.key
        changed=yes
    fi
    install_file "$etc/nginx-pipekit.conf" /etc/nginx/sites-available/pipekit 644 && changed=yes
    if [ "$(readlink /etc/nginx/sites-enabled/pipekit 2>/dev/null)" != /etc/nginx/sites-available/pipekit ]; then
        ln -sfn /etc/nginx/sites-available/pipekit /etc/nginx/sites-enabled/pipekit
        changed=yes
    fi
    nginx -t -q
    if [ $changed = yes ]; then
        systemctl enable --quiet nginx
        systemctl reload-or-restart nginx
        report "nginx site" changed
    else
        report "nginx site" ok
    fi
}

step_doctor() {
    local out tries=1
    # Workers started a moment ago may not have been seen alive yet: give them half a minute.
    [ $workers_started = no ] || tries=15
    until out=$("$manage" doctor 2>&1); do
        tries=$((tries - 1))
        if [ $tries -eq 0 ]; then
            echo "$out" >&2
            die "manage.py doctor found a problem (above)"
        fi
        sleep 2
    done
    report doctor ok
}

echo "Pipekit: $src -> $prefix (user $user, server $server_name)"
step_packages
step_user
step_dirs
before_code=$changes
step_app
step_venv
step_jrunner
step_secret_key
step_config
step_secrets_file
step_manage_command
code_changed=no
[ "$changes" -eq "$before_code" ] || code_changed=yes
step_migrate
if [ $web = yes ]; then step_static; else report "static files" skipped --no-web; fi
step_drivers
step_crontab
step_render
if [ -n "$no_systemd" ]; then
    report systemd skipped "$no_systemd"
else
    step_cron
    if [ $web = yes ]; then step_web_service; else report "web service" skipped --no-web; fi
    step_workers
fi
if [ $web = no ]; then
    report nginx skipped --no-web
elif [ -n "$no_systemd" ]; then
    report nginx skipped "$no_systemd"
else
    step_nginx
fi
step_doctor
if [ $changes -eq 0 ]; then
    echo "deploy: no changes"
else
    echo "deploy: $changes changed"
fi
