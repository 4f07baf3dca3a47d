"""POST /channels/<id>/test: "Send a test" sends one test notice now and says how it went."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_sends_a_test_notice_and_says_so(staff_client, webhook):
    hook = webhook()

    response = staff_client.post(f"/channels/{hook.channel.pk}/test", follow=True)

    assert hook.events() == ["test"]
    assert hook.received[0]["url"] == "https://pipekit.example.com/"
    assert "Test notice sent through ops: HTTP 200." in response.content.decode()


def test_a_failing_channel_is_reported_without_its_url(staff_client, webhook):
    hook = webhook(answers=[500])

    page = staff_client.post(f"/channels/{hook.channel.pk}/test", follow=True).content.decode()

    assert "Test notice through ops failed: HTTP 500." in page
    assert hook.url not in page


def test_a_slack_channel_gets_a_text_message(staff_client, webhook):
    hook = webhook(kind="slack")

    staff_client.post(f"/channels/{hook.channel.pk}/test")

    text = "A test notice from Pipekit: this channel works.\n<https://pipekit.example.com/|Open in Pipekit>"
    assert hook.received == [{"text": text}]


def test_viewers_and_operators_may_not_send_tests(viewer_client, operator_client, webhook):
    hook = webhook()

    assert viewer_client.post(f"/channels/{hook.channel.pk}/test").status_code == 403
    assert operator_client.post(f"/channels/{hook.channel.pk}/test").status_code == 403
    assert hook.received == []


def test_it_rejects_get(staff_client, webhook):
    hook = webhook()
    assert staff_client.get(f"/channels/{hook.channel.pk}/test").status_code == 405
