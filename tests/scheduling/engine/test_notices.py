import pytest
from django.core import mail

from connections.models import Connection
from connections.secrets import SecretError, set_secret
from scheduling.engine import run_group
from scheduling.models import Group, GroupMember, GroupRun
from scheduling.notices import send_failure_notice
from syncs import notify
from syncs.models import Module, RunLog, Status


@pytest.fixture
def email(settings, tmp_path):
    """E-mail configured as config.yaml would: a host, recipients and a link base."""
    settings.PIPEKIT_EMAIL_ENABLED = True
    settings.PIPEKIT_EMAIL_TO = ["ops@example.com", "dba@example.com"]
    settings.PIPEKIT_EMAIL_PASSWORD_REF = ""
    settings.PIPEKIT_BASE_URL = "https://pipekit.example.com"
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    return settings


@pytest.fixture
def failed_group_run(drivers):
    """A scheduled group run of three modules, two of which failed."""
    conn = Connection.objects.create(name="dw", driver=drivers["postgres"], jdbc_url="jdbc:postgresql:dw")
    group = Group.objects.create(name="nightly")
    group_run = GroupRun.objects.create(
        group=group, trigger="schedule:7", status=Status.ERROR, error="2 of 3 modules failed: orders, stock"
    )
    for name, status, error in [
        ("customers", Status.SUCCESS, ""),
        ("orders", Status.ERROR, 'migrate: ERROR: relation "orders" does not exist'),
        ("stock", Status.ERROR, "resolve watermark since: NULL and no default value"),
    ]:
        module = Module.objects.create(
            name=name, source=conn, dest=conn, source_query="SELECT 1", dest_table=name
        )
        RunLog.objects.create(module=module, group_run=group_run, status=status, error=error)
    return group_run


def test_it_mails_the_group_the_failed_modules_their_errors_and_run_pages(email, failed_group_run):
    assert send_failure_notice(failed_group_run) is True
    [message] = mail.outbox
    assert message.to == ["ops@example.com", "dba@example.com"]
    assert message.subject == "[Pipekit] nightly: 2 failed modules"
    orders = RunLog.objects.get(module__name="orders")
    stock = RunLog.objects.get(module__name="stock")
    assert f"Group run {failed_group_run.pk} of nightly ended in error." in message.body
    assert 'migrate: ERROR: relation "orders" does not exist' in message.body
    assert "resolve watermark since: NULL and no default value" in message.body
    assert f"https://pipekit.example.com/runs/{orders.pk}/" in message.body
    assert f"https://pipekit.example.com/runs/{stock.pk}/" in message.body
    assert f"https://pipekit.example.com/group-runs/{failed_group_run.pk}/" in message.body
    assert "customers" not in message.body


def test_nothing_is_sent_without_a_mail_host(email, failed_group_run):
    email.PIPEKIT_EMAIL_ENABLED = False
    assert send_failure_notice(failed_group_run) is False
    assert mail.outbox == []


def test_nothing_is_sent_without_recipients(email, failed_group_run):
    email.PIPEKIT_EMAIL_TO = []
    assert send_failure_notice(failed_group_run) is False
    assert mail.outbox == []


def test_the_mail_password_is_read_from_the_secrets_file_when_sending(email, failed_group_run):
    email.PIPEKIT_EMAIL_PASSWORD_REF = "$SMTP_PASSWORD"
    with pytest.raises(SecretError, match="SMTP_PASSWORD is not in the secrets file"):
        send_failure_notice(failed_group_run)
    assert mail.outbox == []

    set_secret("SMTP_PASSWORD", "s3cret-smtp")
    assert send_failure_notice(failed_group_run) is True
    assert "s3cret-smtp" not in mail.outbox[0].body


def test_nothing_is_sent_when_the_config_has_no_email_section(failed_group_run):
    assert send_failure_notice(failed_group_run) is False
    assert mail.outbox == []


@pytest.fixture
def failing_schedule(make_items_module, make_schedule):
    """A schedule of a group whose one module reads a table that does not exist."""
    schedule = make_schedule("0 4 * * *")
    module = make_items_module(source_query="SELECT id, name FROM no_such_table")
    GroupMember.objects.create(group=schedule.group, module=module, run_order=1)
    return schedule


def test_a_scheduled_group_run_that_fails_for_real_sends_the_notice(email, failing_schedule, staff_client):
    group_run = run_group(failing_schedule.group, trigger=f"schedule:{failing_schedule.pk}")

    assert group_run.status == Status.ERROR
    run = group_run.runs.get()
    [message] = mail.outbox
    assert "no_such_table" in run.error
    assert run.error in message.body
    # The link in the mail opens the run's page, which shows the error.
    link = f"https://pipekit.example.com/runs/{run.pk}/"
    assert link in message.body
    page = staff_client.get(link.removeprefix("https://pipekit.example.com"))
    assert page.status_code == 200
    assert "no_such_table" in page.content.decode()


def test_a_manual_group_run_that_fails_sends_nothing(email, failing_schedule):
    assert run_group(failing_schedule.group, trigger="manual").status == Status.ERROR
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_group_run_of_a_group_naming_channels_mails_only_through_them(email, notifying_group):
    group, module, team, _ = notifying_group

    break_and_fix(module, "SELECT id, name FROM no_such_table")
    assert run_group(group, trigger="schedule:1").status == Status.ERROR
    notify.wait_for_notices()

    assert mail.outbox == []
    assert team.events() == ["failure"]


@pytest.fixture
def notifying_group(make_items_module, webhook):
    """A group of one module with a channel for the group (`team`) and one for the module (`ops`)."""
    team, ops = webhook("team"), webhook("ops")
    module = make_items_module(notify=[{"channel": "ops", "on": ["failure", "recovery"]}])
    group = Group.objects.create(name="nightly", notify=[{"channel": "team", "on": ["failure", "recovery"]}])
    GroupMember.objects.create(group=group, module=module, run_order=1)
    return group, module, team, ops


def break_and_fix(module, query):
    module.source_query = query
    module.save()


@pytest.mark.django_db(transaction=True)
def test_a_group_run_tells_the_group_s_channels_and_its_module_run_the_module_s(notifying_group):
    group, module, team, ops = notifying_group

    break_and_fix(module, "SELECT id, name FROM no_such_table")
    failed = run_group(group, trigger="schedule:1")
    break_and_fix(module, "SELECT id, name FROM items")
    recovered = run_group(group, trigger="manual")
    notify.wait_for_notices()

    assert team.events() == ["failure", "recovery"]
    assert [b["kind"] for b in team.received] == ["group run", "group run"]
    assert [b["id"] for b in team.received] == [failed.pk, recovered.pk]
    assert team.received[0]["url"] == f"https://pipekit.example.com/group-runs/{failed.pk}/"
    [failed_module] = team.received[0]["failed"]
    assert (failed_module["module"], failed_module["run"]) == (module.name, failed.runs.get().pk)
    assert "no_such_table" in failed_module["error"]
    assert failed_module["url"] == f"https://pipekit.example.com/runs/{failed.runs.get().pk}/"
    assert team.received[1]["failed"] == []
    assert team.received[1]["rows"] == 3
    assert ops.events() == ["failure", "recovery"]
    assert [b["id"] for b in ops.received] == [r.pk for r in RunLog.objects.order_by("pk")]
    assert failed.notices.get().status == "sent"


@pytest.mark.django_db(transaction=True)
def test_the_group_run_page_shows_its_notices_without_the_address(notifying_group, staff_client):
    group, module, team, _ = notifying_group
    break_and_fix(module, "SELECT id, name FROM no_such_table")
    failed = run_group(group, trigger="manual")
    notify.wait_for_notices()

    page = staff_client.get(f"/group-runs/{failed.pk}/").content.decode()

    assert "Notices" in page
    assert "team" in page and "HTTP 200" in page
    assert team.url not in page
