"""A finished module run tells the channels its module names, for the events they asked for,
after the run is recorded and on a thread of its own: a channel that fails or hangs is retried
and never delays or changes the run; every attempt shows on the run."""

import pytest

from syncs import notify
from syncs.engine import run_module
from syncs.models import NoticeStatus, RunLog, Status

pytestmark = pytest.mark.django_db(transaction=True)

BROKEN = "SELECT id, nope FROM items"
WORKING = "SELECT id, name FROM items"


def run(module, query=WORKING):
    module.source_query = query
    module.save()
    finished = run_module(module, trigger="cli")
    notify.wait_for_notices()
    return finished


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(notify, "RETRY_PAUSES", (0, 0))


def test_a_failure_posts_the_run_its_error_rows_duration_and_link(make_items_module, webhook):
    hook = webhook()
    module = make_items_module(notify=[{"channel": "ops"}])

    failed = run(module, BROKEN)

    assert failed.status == Status.ERROR
    [body] = hook.received
    assert body["event"] == "failure"
    assert (body["kind"], body["id"], body["name"], body["status"]) == (
        "module run",
        failed.pk,
        "items",
        "error",
    )
    assert body["error"] == failed.error and "nope" in body["error"]
    assert body["rows"] is None
    assert body["duration_seconds"] >= 0
    assert body["trigger"] == "cli"
    assert body["url"] == f"https://pipekit.example.com/runs/{failed.pk}/"
    [notice] = failed.notices.all()
    assert (notice.channel.name, notice.event, notice.status) == ("ops", "failure", NoticeStatus.SENT)
    assert [a["outcome"] for a in notice.attempts] == ["HTTP 200"]


def test_a_success_after_a_failure_is_a_recovery_and_then_successes_are_quiet(make_items_module, webhook):
    hook = webhook()
    module = make_items_module(notify=[{"channel": "ops", "on": ["failure", "recovery"]}])

    run(module)
    run(module, BROKEN)
    recovered = run(module)
    run(module)

    assert hook.events() == ["failure", "recovery"]
    assert hook.received[1]["id"] == recovered.pk
    assert hook.received[1]["rows"] == 3


def test_a_channel_on_success_hears_every_success(make_items_module, webhook):
    hook = webhook()
    module = make_items_module(notify=[{"channel": "ops", "on": ["success"]}])

    run(module)
    run(module, BROKEN)
    run(module)

    assert hook.events() == ["success", "success"]


def test_a_guard_refusal_is_its_own_event_and_a_failure(make_items_module, webhook):
    guards, failures = webhook("guards"), webhook("failures")
    module = make_items_module(
        notify=[{"channel": "guards", "on": ["guard"]}, {"channel": "failures", "on": ["failure"]}]
    )
    refused = RunLog.objects.create(
        module=module, status=Status.ERROR, error="guard: the result is empty and allow_empty is off"
    )

    notify.notify_run(refused)
    notify.wait_for_notices()

    assert guards.events() == ["guard"]
    assert failures.events() == ["failure"]
    assert guards.received[0]["error"].startswith("guard: ")


def test_dry_runs_and_cancelled_runs_notify_nobody(make_items_module, webhook):
    hook = webhook()
    module = make_items_module(notify=[{"channel": "ops", "on": ["failure", "success", "recovery"]}])

    run_module(module, trigger="cli", dry_run=True)
    notify.notify_run(RunLog.objects.create(module=module, status=Status.CANCELLED, error="cancelled"))
    notify.wait_for_notices()

    assert hook.received == []


def test_a_channel_answering_errors_is_retried_and_the_attempts_recorded(
    make_items_module, webhook, quick_retries
):
    hook = webhook(answers=[500, 503, 200])
    module = make_items_module(notify=[{"channel": "ops"}])

    failed = run(module, BROKEN)

    assert failed.status == Status.ERROR
    assert len(hook.received) == 3
    [notice] = failed.notices.all()
    assert notice.status == NoticeStatus.SENT
    assert [a["outcome"] for a in notice.attempts] == ["HTTP 500", "HTTP 503", "HTTP 200"]


def test_a_channel_that_never_answers_in_time_neither_delays_nor_changes_the_run(
    make_items_module, webhook, monkeypatch, quick_retries
):
    monkeypatch.setattr(notify, "TIMEOUT", 1)
    monkeypatch.setattr(notify, "ATTEMPTS", 2)
    hook = webhook(delay=3)
    module = make_items_module(notify=[{"channel": "ops"}], source_query=BROKEN)

    failed = run_module(module, trigger="cli")

    # The run is finished and recorded while its notice is still on its first attempt.
    notice = failed.notices.get()
    assert notice.status == NoticeStatus.SENDING and notice.attempts == []
    failed.refresh_from_db()
    assert failed.status == Status.ERROR and "nope" in failed.error
    assert failed.finished_at is not None
    notify.wait_for_notices()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED
    assert [a["outcome"] for a in notice.attempts] == ["timed out after 1 s"] * 2
    assert len(hook.received) == 2


def test_a_channel_that_cannot_be_reached_fails_its_notice_without_showing_its_url(
    make_items_module, webhook, quick_retries
):
    hook = webhook()
    hook.__exit__()
    module = make_items_module(notify=[{"channel": "ops"}])

    failed = run(module, BROKEN)

    notice = failed.notices.get()
    assert notice.status == NoticeStatus.FAILED
    assert len(notice.attempts) == notify.ATTEMPTS
    assert all(a["outcome"].startswith("not reached: ") for a in notice.attempts)
    assert hook.url not in str(notice.attempts)
    assert str(hook.server.server_port) not in str(notice.attempts)


def test_a_slack_channel_gets_a_readable_message_with_the_link(make_items_module, webhook):
    hook = webhook(kind="slack")
    module = make_items_module(notify=[{"channel": "ops"}])

    failed = run(module, BROKEN)

    [body] = hook.received
    assert list(body) == ["text"]
    assert body["text"].startswith(f"Pipekit: module run {failed.pk} of items failed (0 rows, ")
    assert "nope" in body["text"]
    assert body["text"].endswith(f"<https://pipekit.example.com/runs/{failed.pk}/|Open in Pipekit>")


def test_an_email_channel_mails_its_addresses(make_items_module, settings, mailoutbox):
    from syncs.models import Channel

    settings.PIPEKIT_EMAIL_ENABLED = True
    settings.PIPEKIT_EMAIL_PASSWORD_REF = ""
    Channel.objects.create(name="mail", kind="email", to=["dba@example.com"])
    module = make_items_module(notify=[{"channel": "mail"}])

    failed = run(module, BROKEN)

    [message] = mailoutbox
    assert message.to == ["dba@example.com"]
    assert message.subject == "[Pipekit] items: failure"
    assert f"/runs/{failed.pk}/" in message.body
    assert failed.notices.get().attempts[0]["outcome"] == "mailed to dba@example.com"


def test_a_disabled_channel_is_not_told(make_items_module, webhook):
    hook = webhook()
    hook.channel.enabled = False
    hook.channel.save()
    module = make_items_module(notify=[{"channel": "ops"}])

    run(module, BROKEN)

    assert hook.received == []
