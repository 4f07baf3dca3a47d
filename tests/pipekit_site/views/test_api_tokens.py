"""The API tokens page: a staff user lists, creates and revokes their own tokens."""

import re

from pipekit_site.models import ApiToken
from tests.pipekit_site.auth import bearer


def test_creating_a_token_shows_it_once_and_it_opens_the_api(staff_client, client):
    created = staff_client.post("/tokens/", {"name": "nightly report"}).content.decode()
    secret = re.search(r'id="new-token">([^<]+)<', created).group(1)

    assert "copy it now" in created and "nightly report" in created
    assert secret not in staff_client.get("/tokens/").content.decode()
    assert client.get("/api/modules", headers=bearer(secret)).status_code == 200


def test_the_page_lists_the_users_tokens_with_created_and_last_used(
    staff_client, staff_user, django_user_model
):
    ApiToken.issue(staff_user, "reports")
    other = django_user_model.objects.create_user("dave", is_staff=True)
    ApiToken.issue(other, "daves-script")

    page = staff_client.get("/tokens/").content.decode()

    assert "reports" in page and "never" in page
    assert "daves-script" not in page


def test_revoking_a_token_closes_the_api_to_it(staff_client, staff_user, client):
    token, secret = ApiToken.issue(staff_user, "old")

    response = staff_client.post("/tokens/", {"revoke": token.id}, follow=True)

    assert "Token old revoked" in response.content.decode()
    assert not ApiToken.objects.exists()
    assert client.get("/api/modules", headers=bearer(secret)).status_code == 401


def test_nobody_revokes_another_users_token(staff_client, django_user_model):
    other, _ = ApiToken.issue(django_user_model.objects.create_user("dave", is_staff=True))
    assert staff_client.post("/tokens/", {"revoke": other.id}).status_code == 404
    assert ApiToken.objects.filter(pk=other.pk).exists()
