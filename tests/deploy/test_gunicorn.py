"""gunicorn with the shipped config serves pages and whitenoise's static files."""

import gzip
from pathlib import Path

from django.conf import settings

from tests.deploy.helpers import http_get


def test_it_serves_the_login_page(gunicorn, make_config):
    port = gunicorn(make_config())

    status, _, body = http_get(port, "/login/")

    assert status == 200
    assert b'name="password"' in body


def test_it_serves_a_hashed_static_file_with_a_far_future_cache_header(
    gunicorn, make_config, static_manifest
):
    port = gunicorn(make_config())
    hashed = static_manifest["admin/css/base.css"]

    status, headers, body = http_get(port, f"/static/{hashed}")

    assert status == 200
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert body == (Path(settings.STATIC_ROOT) / hashed).read_bytes()


def test_it_serves_the_compressed_copy_to_a_client_that_accepts_gzip(gunicorn, make_config, static_manifest):
    port = gunicorn(make_config())
    hashed = static_manifest["admin/css/base.css"]

    status, headers, body = http_get(port, f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == (Path(settings.STATIC_ROOT) / hashed).read_bytes()


def test_the_login_page_links_static_files_by_their_hashed_names(gunicorn, make_config, static_manifest):
    port = gunicorn(make_config())

    _, _, body = http_get(port, "/login/")

    assert b"/static/" in body
    for link in body.decode().split('"'):
        if link.startswith("/static/"):
            assert link.removeprefix("/static/") in static_manifest.values()
