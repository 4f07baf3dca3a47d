"""Notices of finished runs to the channels a module or a group names in its `notify` list.

A run is finished (recorded, its lock released) before anything is sent, and sending happens on
a thread of its own, so a slow or failing channel never delays or fails a run; the process waits
for its notices before it exits (wait_for_notices). Each channel gets ATTEMPTS tries of at most
TIMEOUT seconds; every attempt and its outcome is a Notice row, shown on the run's page."""

import json
import logging
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone

from connections import secrets
from syncs.models import GUARD_PREFIX, Channel, ChannelKind, Event, Notice, NoticeStatus, Status

logger = logging.getLogger(__name__)

# Seconds one attempt may take, attempts per notice, and the pause before each retry.
TIMEOUT = 5
ATTEMPTS = 3
RETRY_PAUSES = (1, 3)

_pending = []
_pending_lock = threading.Lock()


def events_of(record, earlier):
    """Return the events a finished run stands for, most telling first: a guard refusal is also a
    failure, a recovery also a success. earlier: the same owner's runs before this one."""
    if record.dry_run or record.status not in (Status.SUCCESS, Status.ERROR):
        return []
    if record.status == Status.ERROR:
        return [Event.GUARD, Event.FAILURE] if record.error.startswith(GUARD_PREFIX) else [Event.FAILURE]
    last = (
        earlier.filter(status__in=[Status.SUCCESS, Status.ERROR], dry_run=False, pk__lt=record.pk)
        .order_by("-pk")
        .values_list("status", flat=True)
        .first()
    )
    return [Event.RECOVERY, Event.SUCCESS] if last == Status.ERROR else [Event.SUCCESS]


def wanted(notify, events):
    """Return [(channel, event)]: each enabled channel of the notify list that asked for one of the
    events, with the most telling of those it asked for."""
    chosen = []
    channels = {c.name: c for c in Channel.objects.filter(enabled=True)}
    for entry in notify:
        on = entry.get("on", [Event.FAILURE])
        event = next((e for e in events if e in on), None)
        channel = channels.get(entry["channel"])
        if event and channel:
            chosen.append((channel, event))
    return chosen


def notify_run(run):
    """Tell the module's channels of a finished module run, on a thread of its own."""
    module = run.module
    events = events_of(run, module.runs.all())
    about = {
        "kind": "module run",
        "name": module.name,
        "url": page_url("syncs:run_detail", run.pk),
        "rows": run.rows_merged if run.rows_merged is not None else run.rows_staged,
    }
    if run.backfill:
        about["backfill"] = run.backfill["values"]
    _send_later(run, wanted(module.notify, events), about, {"run": run})


def notify_group_run(group_run, runs):
    """Tell the group's channels of a finished group run; runs: its module runs, in order."""
    group = group_run.group
    events = events_of(group_run, group.runs.all())
    about = {
        "kind": "group run",
        "name": group.name,
        "url": page_url("scheduling:group_run_detail", group_run.pk),
        "rows": sum(run.rows_merged or 0 for run in runs),
        "failed": [
            {
                "module": run.module.name,
                "run": run.pk,
                "error": run.error,
                "url": page_url("syncs:run_detail", run.pk),
            }
            for run in runs
            if run.status == Status.ERROR
        ],
    }
    _send_later(group_run, wanted(group.notify, events), about, {"group_run": group_run})


def page_url(view_name, pk):
    """The full address of a page, for people reading a notice."""
    return settings.PIPEKIT_BASE_URL + reverse(view_name, args=[pk])


def _send_later(record, chosen, about, owner):
    if not chosen:
        return
    message = _message(record, about)
    notices = [Notice.objects.create(channel=c, event=e, **owner) for c, e in chosen]
    thread = threading.Thread(target=_send_all, args=(notices, message), name=f"notices of {record}")
    with _pending_lock:
        _pending.append(thread)
    thread.start()


def wait_for_notices():
    """Wait until the notices this process started are sent (or given up): before it exits."""
    with _pending_lock:
        threads = list(_pending)
        _pending.clear()
    for thread in threads:
        thread.join()


def _send_all(notices, message):
    try:
        for notice in notices:
            deliver(notice, {**message, "event": notice.event})
    except Exception:
        logger.exception("sending notices failed")
    finally:
        # This thread's own connection to the state database.
        db_connection.close()


def _message(record, about):
    duration = record.duration
    return {
        "kind": about["kind"],
        "id": record.pk,
        "name": about["name"],
        "status": record.status,
        "error": record.error,
        "rows": about["rows"],
        "duration_seconds": round(duration.total_seconds(), 3) if duration else None,
        "trigger": record.trigger,
        "triggered_by": record.triggered_by,
        "started_at": record.started_at.isoformat() if record.started_at else None,
        "finished_at": record.finished_at.isoformat() if record.finished_at else None,
        "url": about["url"],
        **{key: about[key] for key in ("backfill", "failed") if key in about},
    }


def deliver(notice, message):
    """Send one notice, retrying; record each attempt on it. Return whether it was sent."""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(RETRY_PAUSES[min(attempt, len(RETRY_PAUSES)) - 1])
        outcome, sent = attempt_once(notice.channel, message)
        notice.attempts.append({"at": timezone.now().isoformat(), "outcome": outcome})
        last = sent or attempt == ATTEMPTS - 1
        notice.status = NoticeStatus.SENT if sent else NoticeStatus.FAILED if last else NoticeStatus.SENDING
        notice.save(update_fields=["attempts", "status"])
        if sent:
            return True
    logger.warning("notice %s to channel %s failed: %s", notice.pk, notice.channel.name, outcome)
    return False


def attempt_once(channel, message):
    """Send message through channel once; return (outcome for people, whether it was sent). The
    outcome never holds the webhook's address."""
    url = ""
    try:
        if channel.kind == ChannelKind.EMAIL:
            return _email(channel, message)
        url = secrets.resolve(channel.url)
        body = _slack(message) if channel.kind == ChannelKind.SLACK else message
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "Pipekit"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return f"HTTP {response.status}", 200 <= response.status < 300
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}", False
    except TimeoutError:
        return f"timed out after {TIMEOUT} s", False
    except urllib.error.URLError as exc:
        reason = "timed out" if isinstance(exc.reason, TimeoutError) else exc.reason
        return _scrub(f"not reached: {reason}", url), False
    except (secrets.SecretError, OSError, ValueError) as exc:
        return _scrub(f"not sent: {exc}", url), False


def _scrub(text, url):
    return text.replace(url, "(the channel's URL)") if url else text


def _email(channel, message):
    to = channel.to or settings.PIPEKIT_EMAIL_TO
    if not (settings.PIPEKIT_EMAIL_ENABLED and to):
        return "not sent: e-mail is not configured (config.yaml email: host and to)", False
    subject = f"[Pipekit] {message['name']}: {message['event']}"
    # The SMTP password is a $NAME reference, resolved only now, so it is never kept in settings.
    ref = settings.PIPEKIT_EMAIL_PASSWORD_REF
    mail = (
        get_connection(password=secrets.resolve(ref), timeout=TIMEOUT)
        if ref
        else get_connection(timeout=TIMEOUT)
    )
    send_mail(subject, text_of(message), None, to, connection=mail)
    return f"mailed to {', '.join(to)}", True


def text_of(message):
    """The notice as lines people read: what, how it ended, the error, the link."""
    if message["event"] == "test":
        return f"A test notice from Pipekit: this channel works.\n{message['url']}\n"
    said = {
        Event.FAILURE: "failed",
        Event.GUARD: "was refused by a guard",
        Event.RECOVERY: "succeeded again (recovered)",
        Event.SUCCESS: "succeeded",
    }[message["event"]]
    seconds = message["duration_seconds"]
    facts = [f"{message['rows'] or 0} rows"] + ([f"{seconds:.1f} s"] if seconds is not None else [])
    lines = [f"Pipekit: {message['kind']} {message['id']} of {message['name']} {said} ({', '.join(facts)})."]
    if message.get("backfill"):
        lines.append("Backfill with " + ", ".join(f"{k}={v}" for k, v in message["backfill"].items()) + ".")
    if message["error"]:
        lines.append(message["error"])
    for failed in message.get("failed", []):
        lines.append(f"- {failed['module']} (run {failed['run']}): {failed['error']} {failed['url']}")
    lines.append(message["url"])
    return "\n".join(lines) + "\n"


def _slack(message):
    lines = text_of(message).rstrip("\n").split("\n")
    url = lines.pop()
    return {"text": "\n".join(lines) + f"\n<{url}|Open in Pipekit>"}


def send_test(channel):
    """Send a test notice through channel once, now; return (outcome, sent)."""
    message = {"event": "test", "kind": "test", "name": channel.name, "url": settings.PIPEKIT_BASE_URL + "/"}
    return attempt_once(channel, message)
