"""Who may reach what: every page but /health and the login page needs a staff login."""

import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from syncs.models import Module, RunLog


def test_anonymous_users_are_sent_to_the_login_page_from_every_page(client, pages):
    for page in pages:
        response = client.get(page)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={page}"), page


def test_an_htmx_request_without_a_session_gets_a_client_redirect_not_a_login_form(client, pages):
    for page in pages:
        response = client.get(
            page, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
        )
        assert response.status_code == 200, page
        assert response["HX-Redirect"] == f"/login/?next={page}", page
        assert b"<form" not in response.content


def test_users_who_are_not_staff_get_403_everywhere(user_client, pages):
    for page in pages:
        response = user_client.get(page)
        assert response.status_code == 403, page
        assert b"Pipekit is for staff users." in response.content


def test_staff_see_every_page(staff_client, pages):
    for page in pages:
        assert staff_client.get(page).status_code == 200, page


@pytest.mark.parametrize("step", ["start", "tables", "columns", "sql", "create"])
def test_every_wizard_step_needs_a_staff_login(user_client, step):
    url = reverse(f"syncs:wizard_{step}")
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert user_client.get(url).status_code == 403
    assert user_client.post(url, {"name": "x", "source_query": "SELECT 1"}).status_code == 403
    assert not Module.objects.exists()


def test_the_login_page_is_open_and_logging_in_leads_back(client, staff_user):
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "alice", "password": "alice-password", "next": "/runs/"})
    assert (response.status_code, response["Location"]) == (302, "/runs/")


def test_the_login_form_carries_a_csrf_token(client, db):
    assert b'name="csrfmiddlewaretoken"' in client.get("/login/").content


def test_a_post_without_a_csrf_token_is_refused(staff_user, make_items_module):
    module = make_items_module()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)

    response = client.post(f"/modules/{module.id}/run", {"dry_run": "1"})

    assert response.status_code == 403
    assert not RunLog.objects.filter(module=module).exists()


def test_pages_serve_htmx_from_static_files_not_a_cdn(staff_client, db):
    page = staff_client.get("/").content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in page
    # Every script comes from this site; a CSRF token may spell "cdn" by chance.
    assert not re.search(r'<script[^>]+src="(https?:)?//', page)


def test_the_api_needs_basic_credentials(client, db):
    for method, url in [("get", "/api/modules"), ("get", "/api/groups"), ("post", "/api/modules/1/run")]:
        response = getattr(client, method)(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"].startswith("Basic"), url


def test_health_is_open(client, db):
    assert client.get("/health").status_code in (200, 503)


def test_a_403_is_logged_as_one_line_without_a_traceback(user_client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert user_client.get("/runs/").status_code == 403

    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /runs/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
