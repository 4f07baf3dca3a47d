"""What the deployment tests share: the project's environment as deployed, ports, HTTP."""

import http.client
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
