"""Retries: a run that failed before its merge committed, tried again as a new run
(docs/ARCHITECTURE.md, "Caps, retries and timeouts")."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from syncs.detached import execute
from syncs.models import RunLog, Status

logger = logging.getLogger(__name__)


def retry_delay(module, attempt):
    """Seconds the retry of the failed attempt waits: the module's retry_delay after the first
    attempt, doubled after each one since."""
    return module.retry_delay * 2 ** (attempt - 1)


def retry_if_due(run, *, start=True):
    """Queue a retry of the finished run when it failed in a way a retry may cure (RunLog.retriable:
    before its merge committed) and its module has attempts left; return the retry, or None.

    The retry is a new queued run linked to this one (retry_of, attempt), which may start once the
    delay is over (start_after). start: have the executor run it (a detached process that waits,
    or a job deferred until then); false: the caller runs it (a group's process, a terminal).
    Safe to call more than once, from any process: a run has at most one retry."""
    run.refresh_from_db(fields=["status", "retriable"])
    module = run.module
    if run.status != Status.ERROR or not run.retriable or run.dry_run or run.attempt > module.retries:
        return None
    start_after = timezone.now() + timedelta(seconds=retry_delay(module, run.attempt))
    try:
        with transaction.atomic():
            retry = RunLog.objects.create(
                module=module,
                group_run=None if start else run.group_run,
                trigger=run.trigger,
                triggered_by=run.triggered_by,
                backfill=run.backfill,
                forced=run.forced,
                retry_of=run,
                attempt=run.attempt + 1,
                start_after=start_after,
            )
            if start:
                execute(retry, "run_module", "--run-id")
    except IntegrityError:
        # Another process retried it first.
        return None
    logger.info("run %s of %s failed; retried as run %s from %s", run.pk, module.name, retry.pk, start_after)
    return retry
