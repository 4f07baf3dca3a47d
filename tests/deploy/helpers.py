"""What the deployment tests share: the project's environment as deployed, ports, HTTP, and
deploy/deploy.sh run into a temporary prefix."""

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.paths import ROOT

VENV_BIN = Path(sys.executable).parent


def project_env(config=None):
    """The environment of a process running the project as deployed (not tests.settings)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PIPEKIT_CONFIG")}
    if config:
        env["PIPEKIT_CONFIG"] = str(config)
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, log):
    """Return once something accepts connections on port; fail with the log if process exits."""
    for _ in range(600):
        if process.poll() is not None:
            pytest.fail(f"exited {process.returncode} before listening on {port}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on 127.0.0.1:{port}:\n{log.read_text()}")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def http_get(port, path, *, host="localhost", tls=False, headers=None):
    """GET path from 127.0.0.1:port without following redirects; return (status, headers, body)."""
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=60)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def deploy(source, prefix, user, *options):
    """Run source's deploy/deploy.sh as root into prefix for user, with --http and options."""
    args = ["--prefix", prefix, "--user", user, "--server-name", "pipekit.test", "--http", *options]
    if Path("/run/systemd/system").exists():
        args.append("--no-services")  # never touch a real host's services from a test
    return subprocess.run(
        [source / "deploy" / "deploy.sh", *args], env=project_env(), capture_output=True, text=True
    )


@contextmanager
def installation():
    """A snapshot of this tree, a prefix and a service user name; all removed afterwards."""
    top = Path(tempfile.mkdtemp(prefix="pipekit-deploy-"))
    top.chmod(0o755)  # the service user must reach the prefix inside
    user = f"pk{uuid.uuid4().hex[:8]}"
    source, prefix = top / "source", top / "pipekit"
    # A snapshot, so an edit to the work tree between the runs is not a change.
    subprocess.run(
        ["rsync", "-a", "--filter=:- .gitignore", "--exclude=/.git/", f"{ROOT}/", f"{source}/"], check=True
    )
    try:
        yield source, prefix, user
    finally:
        subprocess.run(["crontab", "-u", user, "-r"], capture_output=True)
        subprocess.run(["userdel", user], capture_output=True)
        subprocess.run(["groupdel", user], capture_output=True)
        shutil.rmtree(top)


def manage(prefix, *args, **kwargs):
    """Run the installation's pipekit-manage as root, as an operator does."""
    command = [prefix / "bin" / "pipekit-manage", *args]
    return subprocess.run(command, env=project_env(), capture_output=True, text=True, **kwargs)


def unit_settings(path):
    """The Key=Value lines of a systemd unit file, as a dict."""
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def start_unit(path, log, *extra_args):
    """Start a rendered unit's ExecStart (plus extra_args) as systemd would: as its User and
    Group, in its WorkingDirectory, with its Environment, as the process returned (setpriv and
    env exec it), so a signal to that process reaches it; its output goes to the file log."""
    unit = unit_settings(path)
    as_user = ["setpriv", f"--reuid={unit['User']}", f"--regid={unit['Group']}", "--init-groups"]
    as_user.append("--reset-env")  # HOME, USER and PATH of the user, as systemd sets them
    command = [*unit["ExecStart"].split(), *extra_args]
    with log.open("w") as out:
        return subprocess.Popen(
            [*as_user, "--", "env", unit["Environment"], *command],
            cwd=unit["WorkingDirectory"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
