#!/usr/bin/env python3
"""Requests per second of /api/modules (with an API token) and of the module list page (with a
session), 50 concurrent clients each, served by gunicorn with deploy/gunicorn.conf.py.

    bench/api_load.py                # 10 s per URL
    BENCH_SECONDS=30 bench/api_load.py

It uses bench/history.py's small SQLite state database (100 modules, 10,000 runs; built by
running history.py once if missing), collects the static files, serves on a free port of
127.0.0.1 only and loads it with wrk (Debian package `wrk`)."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "var" / "bench"
CLIENTS = 50
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, server):
    for _ in range(600):
        if server.poll() is not None:
            sys.exit(f"gunicorn exited {server.returncode}: see {FOLDER / 'gunicorn.log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start listening")


def credentials():
    """An API token and a session cookie of history.py's staff user `bench`."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from pipekit_site.models import ApiToken

    user = get_user_model().objects.get(username="bench")
    ApiToken.objects.filter(user=user, name="load").delete()
    _, secret = ApiToken.issue(user, "load")
    browser = Client()
    browser.force_login(user)
    return secret, f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


def load(port, path, header):
    """wrk's requests/s and its count of non-2xx/3xx answers for one URL, which must answer 200
    (not, say, a redirect to the login page)."""
    name, value = header.split(": ", 1)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={name: value})
    if (status := connection.getresponse().status) != 200:
        sys.exit(f"{path} answered {status}, not 200")
    connection.close()
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CLIENTS}", f"-d{SECONDS}s", "--timeout", "30s", "-H", header]
        + [f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, requests, int(bad.group(1)) if bad else 0


def main():
    if shutil.which("wrk") is None:
        sys.exit("needs wrk: apt-get install wrk")
    if not (FOLDER / "built-sqlite-small").exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "history.py")], check=True)
    config = FOLDER / "config-load.yaml"
    config.write_text(
        f"database: {FOLDER / 'history-small.db'}\nsecret_key_file: secret_key\nsecrets_file: secrets.env\n"
        "time_zone: UTC\ndebug: false\nhttps: false\nallowed_hosts: [127.0.0.1]\n"
    )
    os.environ.update(PIPEKIT_CONFIG=str(config), DJANGO_SETTINGS_MODULE="pipekit_site.settings")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(manage + ["collectstatic", "--noinput", "-v0"], check=True)
    token, cookie = credentials()

    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with (FOLDER / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(
            [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(port, server)
        rows = [
            ("`/api/modules` (token)", load(port, "/api/modules", f"Authorization: Bearer {token}")),
            ("module list page `/` (session)", load(port, "/", f"Cookie: {cookie}")),
        ]
    finally:
        server.terminate()
        server.wait()
    print(f"{CLIENTS} clients, {SECONDS} s each, load average {os.getloadavg()[0]:.1f}")
    print("| URL | requests/s | requests | not 2xx/3xx |\n|---|---:|---:|---:|")
    for what, (rate, requests, bad) in rows:
        print(f"| {what} | {rate:.1f} | {requests} | {bad} |")


if __name__ == "__main__":
    main()
