"""GET /channels/: the notification channels, a webhook's secret address never shown."""

import pytest


@pytest.mark.django_db
def test_it_lists_channels_with_only_the_reference_of_their_url(staff_client, webhook):
    hook = webhook()

    page = staff_client.get("/channels/").content.decode()

    assert "ops" in page
    assert "$OPS_HOOK" in page
    assert hook.url not in page
    assert str(hook.server.server_port) not in page
    assert "Send a test" in page


@pytest.mark.django_db
def test_viewers_see_the_list_without_the_test_button(viewer_client, webhook):
    webhook()

    page = viewer_client.get("/channels/").content.decode()

    assert "$OPS_HOOK" in page
    assert "Send a test" not in page


@pytest.mark.django_db
def test_it_sends_anonymous_users_to_the_login_page(client):
    response = client.get("/channels/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
