"""The Content-Security-Policy: on every response, and pages that need nothing it refuses.

The e2e tests prove the pages work under it in Chromium (tests/e2e/conftest.py); these check
the header and the HTML without a browser."""

import re

from pipekit_site.csp import POLICY


def test_every_response_carries_the_policy(client, staff_client, make_items_module):
    module = make_items_module()
    responses = [
        client.get("/login/"),
        client.get("/health"),
        client.get("/api/modules"),
        staff_client.get("/"),
        staff_client.get(f"/modules/{module.id}/"),
        staff_client.get("/admin/"),
    ]
    assert [r["Content-Security-Policy"] for r in responses] == [POLICY] * len(responses)
    assert "script-src 'self';" in POLICY and "style-src 'self';" in POLICY


def test_pages_have_no_inline_script_or_style(client, staff_client, make_items_module):
    module = make_items_module()
    pages = [client.get("/login/")] + [
        staff_client.get(url)
        for url in ["/", f"/modules/{module.id}/", "/runs/", "/groups/", "/modules/new/"]
    ]
    for page in pages:
        html = page.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page.request["PATH_INFO"]
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), page.request["PATH_INFO"]
