"""Run retention: delete finished runs older than config.yaml's run_retention_days in small
batches, keeping what a person still needs, then give SQLite's freed pages back to the disk."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from scheduling.models import GroupRun
from syncs.models import Module, RunLog, Status, Verification

log = logging.getLogger("pipekit.scheduling")

# Each batch is one short write transaction, so runs and pages writing meanwhile wait a moment only.
BATCH = 500
VACUUM_PAGES = 2000


def kept_run_ids():
    """Each module's last successful and last failed run, kept whatever their age."""
    kept = set()
    for status in (Status.SUCCESS, Status.ERROR):
        last = RunLog.objects.filter(module=OuterRef("pk"), status=status).order_by("-created_at", "-id")
        ids = Module.objects.annotate(last=Subquery(last.values("pk")[:1])).values_list("last", flat=True)
        kept.update(pk for pk in ids if pk is not None)
    return kept


def prune_runs(now=None, days=None):
    """Delete the finished runs and group runs created more than `days` ago; return (runs, group runs).

    Kept: unfinished runs, each module's last success and last failure, and a group run while any
    of its module runs is kept (its other module runs go)."""
    days = days or settings.PIPEKIT_RUN_RETENTION_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    finished = {"created_at__lt": cutoff, "status__in": Status.finished()}
    runs = delete_in_batches(RunLog.objects.filter(**finished).exclude(pk__in=kept_run_ids()))
    group_runs = delete_in_batches(GroupRun.objects.filter(**finished, runs__isnull=True))
    log.info("pruned %s runs and %s group runs older than %s days", runs, group_runs, days)
    return runs, group_runs


def prune_verifications(now=None, days=None):
    """Delete the finished verifications created more than `days` ago but each module's latest
    (the one its page shows); return how many."""
    days = days or settings.PIPEKIT_RUN_RETENTION_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    latest = Verification.objects.filter(module=OuterRef("pk")).order_by("-created_at", "-id")
    kept = Module.objects.annotate(latest=Subquery(latest.values("pk")[:1])).values_list("latest", flat=True)
    old = Verification.objects.filter(created_at__lt=cutoff, status__in=Status.finished())
    pruned = delete_in_batches(old.exclude(pk__in=[pk for pk in kept if pk is not None]))
    log.info("deleted %s verifications older than %s days", pruned, days)
    return pruned


def delete_in_batches(runs):
    """Delete the queryset's rows BATCH at a time; return how many."""
    total = 0
    while ids := list(runs.values_list("pk", flat=True)[:BATCH]):
        runs.model.objects.filter(pk__in=ids).delete()
        total += len(ids)
    return total


def vacuum_mode():
    """SQLite's auto_vacuum of the state database: 0 none, 1 full (frees at each commit), 2 incremental;
    None on PostgreSQL."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        return cursor.execute("PRAGMA auto_vacuum").fetchone()[0]


def give_space_back(convert=False):
    """Return the pages pruning freed in a SQLite state database to the file system.

    A database made before auto_vacuum was set (settings.py sets it on every new one) frees
    nothing until it is rewritten once: with convert, set auto_vacuum and VACUUM, which locks the
    database while it copies the file; without, leave it and say so. PostgreSQL reuses space itself."""
    mode = vacuum_mode()
    if mode is None:
        return
    with connection.cursor() as cursor:
        if mode == 2 and not connection.in_atomic_block:
            # Through Python's cursor the pragma takes one step, freeing one page; a script runs it
            # to its end. A script commits first, hence never inside a caller's transaction. Each
            # script frees VACUUM_PAGES pages, so it too holds the write lock a moment only.
            while cursor.execute("PRAGMA freelist_count").fetchone()[0]:
                connection.connection.executescript(f"PRAGMA incremental_vacuum({VACUUM_PAGES})")
        elif mode == 0 and convert:
            cursor.execute("PRAGMA auto_vacuum = INCREMENTAL")
            cursor.execute("VACUUM")
        elif mode == 0:
            log.warning(
                "the state database gives no space back yet: run `manage.py prune_runs` once at a quiet time"
            )
