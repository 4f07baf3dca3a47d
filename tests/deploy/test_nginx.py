"""Debian's nginx with the shipped site file, rewritten to loopback ports, in front of gunicorn."""

import re
import subprocess

import pytest

from tests.deploy.helpers import free_port, http_get, stop, wait_for_port
from tests.paths import ROOT

SITE = ROOT / "deploy" / "nginx" / "pipekit.conf"


def render_site(directory, gunicorn_port):
    """Write a self-contained nginx.conf around the shipped site; return (path, http, https ports)."""
    http_port, https_port = free_port(), free_port()
    key, cert = directory / "site.key", directory / "site.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=pipekit.test", "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
    )
    site = SITE.read_text()
    replacements = [
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        (r"\n *listen \[::\]:\d+( ssl)?;", ""),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{gunicorn_port};"),
        (r"/var/cache/pipekit-nginx", str(directory / "cache")),
        (r"/etc/ssl/certs/pipekit\.pem", str(cert)),
        (r"/etc/ssl/private/pipekit\.key", str(key)),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        assert count, f"the shipped site no longer has {pattern}"
    (directory / "pipekit.conf").write_text(site)
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
# Workers of a root master would run as nobody, who cannot enter the test's directory.
user root root;
pid {directory}/nginx.pid;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/pipekit.conf;
}}
"""
    )
    return conf, http_port, https_port


def nginx_command(conf, *args):
    return ["nginx", "-p", str(conf.parent), "-c", str(conf), "-e", str(conf.parent / "error.log"), *args]


@pytest.fixture
def nginx(tmp_path, gunicorn, make_config):
    """gunicorn on a production https config behind nginx; return nginx's (http, https) ports."""
    gunicorn_port = gunicorn(make_config(https=True))
    conf, http_port, https_port = render_site(tmp_path, gunicorn_port)
    log = tmp_path / "error.log"
    process = subprocess.Popen(nginx_command(conf), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_for_port(https_port, process, log)
    yield http_port, https_port
    stop(process)


def test_the_shipped_site_passes_nginx_t(tmp_path):
    conf, _, _ = render_site(tmp_path, free_port())

    result = subprocess.run(nginx_command(conf, "-t"), capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_it_proxies_https_requests_to_gunicorn_with_host_and_scheme(nginx):
    _, https_port = nginx

    status, _, body = http_get(https_port, "/login/", host="pipekit.test", tls=True)

    # Django would refuse another Host (400) and redirect a request it thought was plain HTTP.
    assert status == 200
    assert b'name="password"' in body


def test_django_redirects_plain_http_to_https(nginx):
    http_port, _ = nginx

    status, headers, _ = http_get(http_port, "/login/", host="pipekit.test")

    assert status == 301
    assert headers["Location"] == "https://pipekit.test/login/"


def test_it_keeps_static_files_in_its_cache(nginx, static_manifest):
    _, https_port = nginx
    path = "/static/" + static_manifest["admin/css/base.css"]

    first = http_get(https_port, path, host="pipekit.test", tls=True)
    second = http_get(https_port, path, host="pipekit.test", tls=True)

    assert [first[0], second[0]] == [200, 200]
    assert [first[1]["X-Cache-Status"], second[1]["X-Cache-Status"]] == ["MISS", "HIT"]
    assert second[1]["Cache-Control"] == "max-age=315360000, public, immutable"
    assert second[2] == first[2]
