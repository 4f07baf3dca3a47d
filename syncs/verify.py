"""Verify a module: compare the rows of its source query with its destination table, writing
nothing to either (docs/ARCHITECTURE.md, "Verify").

The comparison itself runs in jrunner's verify mode, which streams both sides in key order; this
module builds the two queries and records the outcome on a Verification."""

import logging
from datetime import timedelta

from django.utils import timezone

from connections import jrunner
from syncs.engine import CancelCheck, Cancelled, RunError, step, stop_requested
from syncs.livelog import LiveLog
from syncs.models import Status, Verification
from syncs.plan import render

logger = logging.getLogger(__name__)

# A queued verification is started by its detached process within seconds.
UNSTARTED_AFTER = timedelta(minutes=1)


def verify_module(
    module, *, trigger=None, verification=None, triggered_by="", group_run=None, also_stop=None
):
    """Compare module's source rows with its destination table (or execute the queued
    verification) in this process; return the finished Verification.

    trigger, triggered_by and group_run make a new verification's record; a given one carries its
    own. also_stop: as for run_module (a group run's cancel)."""
    if verification is None:
        verification = Verification.objects.create(
            module=module, trigger=trigger, triggered_by=triggered_by, group_run=group_run
        )
    if not verification.start():
        return verification
    log = LiveLog(verification)
    cancel = CancelCheck(verification, also_stop)
    status, error = Status.SUCCESS, ""
    try:
        cancel.check()
        _compare(module, verification, log, cancel)
        if verification.differences:
            status, error = Status.ERROR, f"the destination differs: {verification.differences}"
    except (Cancelled, jrunner.JrunnerCancelled):
        status = Status.CANCELLED
        error = "stopped by SIGTERM" if stop_requested.is_set() else "cancelled on request"
    except RunError as exc:
        status, error = Status.ERROR, str(exc)
    except Exception as exc:
        logger.exception("verification %s of %s failed", verification.pk, module.name)
        status, error = Status.ERROR, f"unexpected {exc.__class__.__name__}: {exc}"
    log.note(f"finished: {status}" + (f": {error}" if error else f", {verification.matched:,} rows matched"))
    verification.finish(status, error, fields=Verification.OUTCOME_FIELDS)
    return verification


def latest_verification(module):
    """Return module's newest verification, or None; one whose process is gone is ended first
    (a kill -9 or a reboot leaves it `running`), and so is one no process started in a minute
    (its starter died before its process began)."""
    verification = module.verifications.first()
    if verification is None or verification.is_finished:
        return verification
    if verification.status == Status.QUEUED and timezone.now() - verification.created_at > UNSTARTED_AFTER:
        verification.never_started("no process started it within a minute")
    elif reason := verification.stale_reason():
        verification.abandon(reason)
    return verification


def verify_queries(module):
    """Return (source SQL, destination SQL, key positions) of module's comparison.

    The source query has each watermark at its default value, so it selects the whole set; the
    destination query selects the module's columns in their order; the key is the merge key's
    positions among them (1-based), or every column for a module without one."""
    if not module.columns:
        raise RunError("checking the module: it has no columns")
    problem = module.columns_problem()
    if problem:
        raise RunError(f"checking the module: {problem}")
    defaults = {w.name: w.default_value for w in module.watermarks.all()}
    missing = [t for t in module.query_tokens() if defaults.get(t) is None]
    if missing:
        tokens = ", ".join(f"{{{t}}}" for t in missing)
        raise RunError(
            f"checking the source query: {tokens} has no watermark with a default value "
            "(verify reads the whole set, which the defaults select)"
        )
    names = [c["dest_name"] for c in module.columns]
    unknown = [k for k in module.merge_key if k not in names]
    if unknown:
        raise RunError(f"checking the module: the merge key names no column {', '.join(unknown)}")
    key = [names.index(k) + 1 for k in module.merge_key] or list(range(1, len(names) + 1))
    dialect = module.dest.dialect
    try:
        table = dialect.qualify(module.dest_table)
    except ValueError as exc:
        raise RunError(f"checking the module: {exc}") from exc
    dest_sql = f"SELECT {', '.join(map(dialect.quote_identifier, names))} FROM {table}"
    return render(module.source_query, defaults, module.source.dialect), dest_sql, key


def _compare(module, verification, log, cancel):
    source_sql, dest_sql, key = verify_queries(module)
    verification.resolved_sql = source_sql
    verification.save(update_fields=["resolved_sql"])
    names = [c["dest_name"] for c in module.columns]
    log.note(
        f"comparing the source {module.source.name} with {module.dest.name} {module.dest_table}, "
        f"keyed by {', '.join(names[k - 1] for k in key)}"
    )
    steps = {
        "source columns:": "checking the source query's columns",
        "connecting to the source": f"connecting to the source {module.source.name}",
        "connecting to the destination": f"connecting to the destination {module.dest.name}",
    }
    try:
        with step("comparing", steps):
            result = jrunner.verify(
                module.source,
                source_sql,
                module.dest,
                dest_sql,
                source_columns=[c["source_name"] for c in module.columns],
                key=key,
                lock_timeout=module.lock_timeout,
                on_line=log.line,
                should_cancel=cancel,
            )
    finally:
        log.flush()
    for field in Verification.OUTCOME_FIELDS:
        setattr(verification, field, getattr(result, field))
