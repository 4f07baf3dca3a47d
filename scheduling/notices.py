"""Failure notices: an e-mail to config.yaml's recipients when a scheduled group run fails and the
group names no notification channels (those say what it wants: syncs/notify.py)."""

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.utils import timezone

from connections import secrets
from syncs.models import Status
from syncs.notify import page_url


def email_configured():
    """Whether failure notices go out: config.yaml `email` names a host and recipients."""
    return bool(settings.PIPEKIT_EMAIL_ENABLED and settings.PIPEKIT_EMAIL_TO)


def failure_notice(group_run):
    """Return (subject, body) of the notice: the group, each failed module, its error and run page."""
    group = group_run.group
    failed = group_run.runs.filter(status=Status.ERROR).select_related("module").order_by("id")
    started = timezone.localtime(group_run.started_at or group_run.created_at)
    subject = f"[Pipekit] {group.name}: {len(failed)} failed module{'s' if len(failed) != 1 else ''}"
    lines = [
        f"Group run {group_run.pk} of {group.name} ended in error.",
        f"Started {started:%Y-%m-%d %H:%M %Z} by {group_run.trigger}.",
        page_url("scheduling:group_run_detail", group_run.pk),
    ]
    if group_run.error:
        lines.append(group_run.error)
    for run in failed:
        lines += [
            "",
            f"{run.module.name} (run {run.pk}): {run.error or 'no error recorded'}",
            page_url("syncs:run_detail", run.pk),
        ]
    return subject, "\n".join(lines) + "\n"


def send_failure_notice(group_run):
    """E-mail the failure notice of group_run; return False when e-mail is not configured."""
    if not email_configured():
        return False
    subject, body = failure_notice(group_run)
    # The SMTP password is a $NAME reference, resolved only now, so it is never kept in settings.
    ref = settings.PIPEKIT_EMAIL_PASSWORD_REF
    connection = get_connection(password=secrets.resolve(ref)) if ref else get_connection()
    send_mail(subject, body, None, settings.PIPEKIT_EMAIL_TO, connection=connection)
    return True
