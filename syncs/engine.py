"""Run a module in this process: lock, watermarks, staging, load, merge, hooks
(docs/ARCHITECTURE.md, "A module run").

Every step that touches a database goes through jrunner; every outcome is recorded on the RunLog.
The lock lives in syncs.locks, the SQL in syncs.plan, detached starts in syncs.detached."""

import logging
import signal
import threading
import time
from contextlib import contextmanager
from datetime import UTC

from connections import jrunner
from connections.secrets import SecretError
from syncs import schema
from syncs.commits import merge_committed
from syncs.guards import EMPTY_KEYS, refusal
from syncs.livelog import JRUNNER_STARTED, LiveLog
from syncs.locks import ModuleLocked, claim_lock, release_lock
from syncs.models import DeleteMissing, RunLog, RunOn, Status, Strategy
from syncs.notify import notify_run
from syncs.plan import build_plan, render
from syncs.schema import check_source
from syncs.slots import wait_for_slot

logger = logging.getLogger(__name__)


class RunError(Exception):
    """A step failed; the message says which step and why."""


class Cancelled(Exception):
    """The run was asked to stop."""


class GuardRefused(RunError):
    """A guard refused the merge, which was rolled back; forceable: --force would run it."""

    def __init__(self, message, forceable=True):
        super().__init__(message)
        self.forceable = forceable


@contextmanager
def step(name, by_prefix=None):
    """Report a jrunner or secrets failure as a failure of the named step.

    by_prefix: {prefix: name} for a jrunner call doing several steps, named by how its error starts."""
    try:
        yield
    except jrunner.JrunnerCancelled:
        raise
    except (jrunner.JrunnerError, SecretError) as exc:
        failed = str(exc).removeprefix("jrunner: ")
        name = next((n for prefix, n in (by_prefix or {}).items() if failed.startswith(prefix)), name)
        raise RunError(f"{name}: {exc}") from exc


def run_module(
    module,
    *,
    trigger=None,
    dry_run=False,
    run=None,
    triggered_by="",
    also_stop=None,
    backfill=None,
    worker="",
    force=False,
):
    """Run module (or execute the queued run) in this process and return its finished RunLog.

    trigger, dry_run, triggered_by, backfill and force make a new run's record; a given run carries
    its own.
    also_stop: a function polled with the run's own cancel flag, true when the run must stop (a
    group run's cancel), so the engine needs to know nothing of what started it. backfill: for a
    new run, RunLog.backfill (the watermark values to use instead of resolving them). worker: the
    name of the `manage.py worker` executing it, recorded on the run. force: commit even when a
    guard refuses (recorded as RunLog.forced).

    The run starts once the caps let it (syncs.slots), holding the module's lock while it waits;
    its module's timeout stops it like a cancel. Retrying a failed run is the caller's choice
    (syncs.retries.retry_if_due): a backfill's chunks are not retried."""
    if run is None:
        run = RunLog.objects.create(
            module=module,
            trigger=trigger,
            triggered_by=triggered_by,
            dry_run=dry_run,
            backfill=backfill or {},
            forced=force,
        )
    log = LiveLog(run)
    # The lock first: a run it refuses never started, so it ends as no failure (RunLog.refuse).
    try:
        claim_lock(module, run, log)
    except ModuleLocked as exc:
        log.note(f"refused: {exc}")
        run.refuse(str(exc))
        return run
    try:
        stop = also_stop or (lambda: False)
        if wait_for_slot(run, log, worker, should_stop=lambda: stop_requested.is_set() or stop()):
            # One JVM for the run's jrunner calls (watermarks, columns check, load, hooks), started
            # once it has its slot and stopped before the run ends and frees it; a worker's slot
            # keeps its own between runs.
            with jrunner.warm(keep=False):
                status, error = _run(module, run, log, CancelCheck(run, also_stop, timeout=module.timeout))
            _finish(run, status, error)
    finally:
        release_lock(module, run)
    _notify(run)
    return run


def _notify(run):
    """Hand the finished run to its module's channels (sent on a thread of their own)."""
    try:
        notify_run(run)
    except Exception:
        # The run is recorded either way; notices must never change how it ended.
        logger.exception("could not queue the notices of run %s", run.pk)


# Set by the run commands on SIGTERM (a shutdown): runs in this process stop like a cancel, so
# the destination stays as it was, staging is dropped and the lock released.
stop_requested = threading.Event()


def stop_on_sigterm():
    """Make SIGTERM stop the runs of this process like a cancel."""
    signal.signal(signal.SIGTERM, lambda signum, frame: stop_requested.set())


class CancelCheck:
    """Polls the cancel flag of the run (a RunLog or a Verification) and also_stop at most once a
    second; SIGTERM and the end of timeout (seconds from now, if any) count at once."""

    def __init__(self, run, also_stop=None, timeout=None):
        self.run = run
        self.also_stop = also_stop or (lambda: False)
        self.last = 0.0
        self.requested = False
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout if timeout else None
        self.timed_out = False

    def __call__(self):
        if stop_requested.is_set():
            return True
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.timed_out = True
            return True
        if not self.requested and time.monotonic() - self.last >= 1:
            self.last = time.monotonic()
            self.requested = (
                type(self.run).objects.filter(pk=self.run.pk, cancel_requested=True).exists()
                or self.also_stop()
            )
        return self.requested

    def check(self):
        """Raise Cancelled when a cancel was requested."""
        self.last = 0.0
        if self():
            raise Cancelled

    def stopped(self):
        """Return (status, why) of a run it stopped: a timeout is an error, the rest a cancel."""
        if self.timed_out:
            return Status.ERROR, f"timed out after {self.timeout} s"
        return Status.CANCELLED, _why_cancelled()


def _run(module, run, log, cancel):
    """Run module's run (started); return how it ended, (status, error), for _finish."""
    status, error = Status.SUCCESS, ""
    plan = None
    # A database call that failed before the merge committed may succeed when tried again.
    retriable = False
    # Stopped by a cancel, SIGTERM or the timeout.
    stopped = False
    try:
        cancel.check()
        plan = _prepare(module, run, log, cancel)
        if run.dry_run:
            _check_without_loading(module, run, log)
            log.note("dry run: nothing was written")
            return Status.DRY_RUN, ""
        cancel.check()
        if plan.direct:
            _load_direct(module, run, plan, log, cancel)
        else:
            _load_staged(module, run, plan, log, cancel)
    except (Cancelled, jrunner.JrunnerCancelled):
        status, error = cancel.stopped()
        stopped = True
    except RunError as exc:
        status, error = Status.ERROR, str(exc)
        run.refused_by_guard = isinstance(exc, GuardRefused) and exc.forceable
        failed = exc.__cause__
        retriable = (
            isinstance(failed, jrunner.JrunnerError)
            and not failed.lasting()
            and not isinstance(exc, GuardRefused)
        )
    except Exception as exc:
        logger.exception("run %s of %s failed", run.pk, module.name)
        status, error = Status.ERROR, f"unexpected {exc.__class__.__name__}: {exc}"
    if status != Status.SUCCESS and (plan and plan.started or stopped):
        status, error, unchanged = _settle(module, run, plan, status, error, log)
        retriable = retriable and unchanged
    if plan and plan.drop_error:
        status = Status.ERROR if status == Status.SUCCESS else status
        error = "; ".join(e for e in (error, plan.drop_error) if e)
    if error:
        log.note(f"failed: {error}")
    if not run.dry_run:
        hook_error, stopped_hook = _run_hooks(module, run, status, log, cancel)
        if stopped_hook and status == Status.SUCCESS:
            status, why = cancel.stopped()
            error = f"{why} during hook {stopped_hook}; the merge had committed"
        elif stopped_hook:
            error = f"{error}; {cancel.stopped()[1]} during hook {stopped_hook}"
        elif hook_error and status == Status.SUCCESS:
            status, error = Status.ERROR, hook_error
    log.note(f"finished: {status}")
    run.retriable = retriable and status == Status.ERROR
    return status, error


def _why_cancelled():
    return "stopped by SIGTERM" if stop_requested.is_set() else "cancelled on request"


def _settle(module, run, plan, status, error, log):
    """Say truthfully what a run that ended abnormally did to the destination: a cancel or a
    failure may land after the merge committed, and then the run succeeded. Return (status,
    error, whether the destination is known to be unchanged)."""
    if not (plan and plan.started) or plan.rolled_back:
        return status, f"{error}; the destination is unchanged", True
    committed, why = merge_committed(module, run.pk)
    if committed:
        log.note(f"{error}, but the merge had committed before it landed: the run succeeded")
        return Status.SUCCESS, "", False
    if committed is None:
        return status, f"{error}; whether the merge committed is unknown (checking failed: {why})", False
    return status, f"{error}; the destination is unchanged", True


# What a run learns while it runs, written when it finishes.
OUTCOME_FIELDS = [
    "rows_read",
    "rows_staged",
    "rows_deleted",
    "rows_merged",
    "rows_marked",
    "refused_by_guard",
    "retriable",
    "load_path",
    "hook_results",
    "stdout",
    "stderr",
]


def _finish(run, status, error=""):
    run.finish(status, error, fields=OUTCOME_FIELDS)


def _prepare(module, run, log, cancel):
    """Check and resolve everything a run needs before any data moves; record it on the run."""
    connections = [module.source, module.dest]
    watermarks = list(module.watermarks.select_related("connection", "module__dest"))
    connections += [w.resolver_connection() for w in watermarks]
    connections += [h.target_connection() for h in module.hooks.filter(enabled=True)]
    for conn in {c.pk: c for c in connections}.values():
        with step(f"reading the password of connection {conn.name}"):
            conn.resolve_password()

    given = run.backfill.get("values", {})
    tokens = module.query_tokens()
    not_in_query = [name for name in given if name not in tokens]
    if not_in_query:
        raise RunError(f"checking the backfill values: the source query has no {{{not_in_query[0]}}}")
    names = {w.name for w in watermarks}
    unknown = [t for t in tokens if t not in names and t not in given]
    if unknown:
        tokens = ", ".join(f"{{{t}}}" for t in unknown)
        raise RunError(f"checking the source query: {tokens} has no watermark of that name")
    if not module.columns:
        raise RunError("checking the module: it has no columns")
    # A module saved before types were checked, or around Module.clean, must not reach the DDL.
    problem = module.columns_problem()
    if problem:
        raise RunError(f"checking the module: {problem}")
    if module.strategy == Strategy.INCREMENTAL and not module.merge_key:
        raise RunError("checking the module: an incremental module needs a merge key")
    if module.delete_missing != DeleteMissing.NONE and (
        module.strategy != Strategy.INCREMENTAL or not module.key_query.strip()
    ):
        raise RunError("checking the module: delete_missing needs an incremental module with a key query")

    values = {}
    if given:
        log.note(f"backfill: {_values_text(given)} given, not resolved; stored state is not touched")
        values.update(given)
    for watermark in watermarks:
        if watermark.name in given:
            continue
        conn = watermark.resolver_connection()
        log.note(f"resolving watermark {watermark.name} on {conn.name}")
        with step(f"resolving watermark {watermark.name} on {conn.name}"):
            _, rows = jrunner.query(
                conn, watermark.resolver_sql, lock_timeout=module.lock_timeout, should_cancel=cancel
            )
        value = rows[0][0] if rows and rows[0] else None
        if value is None:
            if watermark.default_value is None:
                found = "NULL" if rows else "no row"
                raise RunError(
                    f"resolving watermark {watermark.name}: the resolver returned {found} "
                    "and the watermark has no default value"
                )
            value = watermark.default_value
        values[watermark.name] = value
        log.note(f"  {watermark.name} = {value}")

    run.watermark_values = values
    run.resolved_sql = render(module.source_query, values, module.source.dialect)
    _check_source_columns(module, run, log, cancel)
    try:
        # Loading twice (staging, then dest) costs twice the copy: a full refresh loads straight
        # into the destination, cleared (DELETE, or TRUNCATE where the module asks) in the load's
        # transaction.
        direct = module.strategy == Strategy.FULL and module.dest.dialect.direct_full_refresh
        # A soft delete marks the rows missing at the source with the run's start, in UTC.
        marked_at = run.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        plan = build_plan(module, run.pk, direct=direct, marked_at=marked_at)
    except (ValueError, KeyError) as exc:
        raise RunError(f"building the merge SQL: {exc}") from exc
    run.merge_sql = plan.script
    run.save(update_fields=["watermark_values", "resolved_sql", "merge_sql", "drift"])
    return plan


def _values_text(values):
    return ", ".join(f"{name}={value}" for name, value in values.items())


def _check_source_columns(module, run, log, cancel):
    """Compare the columns the resolved query returns with the module's before any data moves:
    fail on a missing column or one retyped into what the destination cannot take; warn of the
    rest (the load takes the module's columns by name, leaving new ones out)."""
    log.note("checking the source query's columns")
    with step("checking the source query's columns", _load_steps(module)):
        drift = check_source(module, run.resolved_sql, cancel)
    run.drift = drift.record()
    for column in drift.extra:
        log.note(
            "warning: schema drift: the source query returns columns the module does not have, "
            f"left out: {column['name']} ({column['source_type']})"
        )
    for column in drift.retyped:
        log.note(
            f"warning: schema drift: column {column['source_name']} is {column['now']} now, not "
            f"{column['was']}; destination column {column['dest_name']} {column['dest_type']} takes it"
        )
    if drift.problems:
        run.save(update_fields=["watermark_values", "resolved_sql", "drift"])
        raise RunError(
            f"checking the source query's columns: {'; '.join(drift.problems)}; nothing was loaded"
        )


def _check_without_loading(module, run, log):
    """What a dry run checks in place of the load, failing as the run would. The source query and
    its columns were checked with every run's (`_check_source_columns`); here the destination
    answers and has the table with each of the module's columns."""
    dest = module.dest
    log.note(f"checking the destination table {module.dest_table} on {dest.name}")
    with step(f"connecting to the destination {dest.name}"):
        existing = schema.existing_table_columns(dest, module.dest_table)
    if existing is None:
        raise RunError(f"checking the destination {dest.name}: there is no table {module.dest_table}")
    names = {c["dest_name"].lower() for c in existing}
    missing = [c["dest_name"] for c in module.columns if c["dest_name"].lower() not in names]
    if missing:
        raise RunError(
            f"checking the destination {dest.name}: {module.dest_table} has no column {', '.join(missing)}"
        )


def _migrate(
    module, run, plan, dest_table, log, cancel, *, columns=None, clear=False, pre=(), post=(), keys=None
):
    source, dest = module.source, module.dest

    def started(pid):
        plan.started = True
        log.note(f"{JRUNNER_STARTED} (pid {pid})")

    refused = []

    def confirm(counts):
        """Record the counts and apply the guards, the merge's transaction still open."""
        run.rows_read, run.rows_staged = counts.rows_read, counts.rows_staged
        why = refusal(module, plan, counts)
        if why and (not run.forced or why == EMPTY_KEYS):
            refused.append(why)
            return why
        log.note(f"forced: committing although {why}" if why else "the guards pass: committing")
        return None

    try:
        result = jrunner.migrate(
            source,
            run.resolved_sql,
            dest,
            dest_table,
            columns=columns,
            source_columns=[c["source_name"] for c in module.columns],
            clear=clear,
            bulk=dest.dialect.has_bulk_path,
            pre=pre,
            post=post,
            count=True,
            confirm=confirm,
            keys=keys,
            lock_timeout=module.lock_timeout,
            on_line=lambda line: _jrunner_line(line, log),
            should_cancel=cancel,
            on_start=started,
        )
    except jrunner.JrunnerError as exc:
        run.stderr = exc.stderr or ""
        # jrunner reporting its own failure has rolled back, unless its commit failed; stopped
        # or killed, it may have committed first.
        plan.rolled_back = (
            not isinstance(exc, jrunner.JrunnerCancelled)
            and exc.returncode in (1, 2)
            and not str(exc).startswith(jrunner.COMMIT_FAILED)
        )
        if refused and plan.rolled_back:
            raise GuardRefused(refused[0], forceable=refused[0] != EMPTY_KEYS) from exc
        raise
    finally:
        log.flush()
    run.stdout, run.stderr = result.stdout, result.stderr
    run.load_path = result.load_path
    return result


def _jrunner_line(line, log):
    # Extra source columns were reported, with their types, by _check_source_columns.
    if not line.startswith(("-post statement", jrunner.EXTRA_COLUMNS)) and not jrunner.COUNT_LINE.match(line):
        # The merge's own counts are summed up in one note instead (see _load_staged).
        log.line(line)


def _load_steps(module):
    """The steps of a load that jrunner names by its error's beginning, whatever the path: the
    source query's columns (checked before any row moves) and each side's connection."""
    source, dest = module.source.name, module.dest.name
    return {
        "source columns:": "checking the source query's columns",
        "connecting to the source": f"connecting to the source {source}",
        "connecting to the destination": f"connecting to the destination {dest}",
        "the source connection was lost": f"reading from the source {source}",
        "the destination connection was lost": f"writing to the destination {dest}",
        "counts:": "counting the staged rows",
    }


COMMITS = "the bookkeeping table pipekit_commits"


def _load_direct(module, run, plan, log, cancel):
    log.note(
        f"loading source rows into {plan.table} "
        f"(cleared by {module.full_refresh_clear.upper()} in the same transaction)"
    )
    steps = {
        **_load_steps(module),
        "-pre statement": f"creating {COMMITS}",
        "-post statement": f"recording the load in {COMMITS} (rolled back)",
    }
    with step(f"loading source rows into {plan.table}", steps):
        result = _migrate(
            module,
            run,
            plan,
            plan.table,
            log,
            cancel,
            clear=module.full_refresh_clear,
            columns=plan.columns,
            pre=plan.bookkeeping,
            post=plan.record,
        )
    run.rows_read, run.rows_staged = result.rows_read, result.rows_staged
    run.rows_deleted, run.rows_merged = result.rows_cleared, result.rows
    log.note(
        f"{result.rows_read:,} rows read, {result.rows_staged:,} loaded ({result.load_path}); "
        f"{result.rows_cleared:,} old rows cleared"
    )


def _load_staged(module, run, plan, log, cancel):
    """Create staging, load it and merge from it with one jrunner start, the fixed cost of a run.

    A delete_missing module's keys are compared first, the destination's keys missing at the source
    written into the key staging table, in the same start and transaction."""
    drops = [plan.drop, *([plan.keys_drop] if plan.keys else [])]
    post = plan.merge + plan.record + (drops if plan.drop_in_merge else [])
    pre = plan.keys_create + plan.create + plan.bookkeeping
    keys = (module.key_query, plan.scope_keys, plan.keys) if plan.keys else None
    if keys:
        log.note(
            f"comparing the key query's keys with {plan.table}'s, writing those missing at the source "
            f"into {plan.keys}, then loading source rows (one transaction)"
        )
    log.note(
        f"loading source rows into staging {plan.staging} and merging into {plan.table} "
        f"({module.strategy}, in the load's transaction)"
    )
    try:
        # jrunner names a failing -pre or -post statement: staging DDL or merge, not the load.
        key_ddl = range(1, len(plan.keys_create) + 1)
        books = range(len(plan.keys_create) + len(plan.create) + 1, len(pre) + 1)
        missing = [i for i, role in enumerate(plan.roles, 1) if role in ("deleted", "marked")]
        steps = {
            **_load_steps(module),
            **{f"-pre statement {i} of": f"creating {COMMITS}" for i in books},
            **{f"-pre statement {i} of": f"creating key staging table {plan.keys}" for i in key_ddl},
            "-pre statement": f"creating staging table {plan.staging}",
            **{f"-post statement {i} of": _missing_step(module, plan) for i in missing},
            # jrunner's Keys: which side's key query failed.
            "key query:": f"reading the key query's keys on the source {module.source.name}",
            "destination keys in scope:": _missing_step(module, plan),
            "-post statement": f"merging into {plan.table} (rolled back)",
        }
        with step(f"loading source rows into staging {plan.staging}", steps):
            result = _migrate(module, run, plan, plan.staging, log, cancel, pre=pre, post=post, keys=keys)
        plan.dropped = plan.keys_dropped = plan.drop_in_merge
        counts = result.post_counts[: len(plan.merge)]
        run.rows_read, run.rows_staged = result.rows_read, result.rows_staged
        cleared, replaced, missing = (plan.count(counts, r) or 0 for r in ("cleared", "replaced", "deleted"))
        run.rows_deleted = cleared + replaced + missing
        run.rows_merged, run.rows_marked = plan.count(counts, "inserted"), plan.count(counts, "marked")
        merged = f"{cleared or replaced} deleted" + (
            f", {missing} deleted as missing at the source" if missing else ""
        )
        if run.rows_marked is not None:
            merged += f", {run.rows_marked} marked deleted_at as missing at the source"
        log.note(
            f"{result.rows_read:,} rows read, {result.rows_staged:,} staged ({result.load_path}); "
            f"merged: {merged}, {run.rows_merged:,} inserted"
        )
    finally:
        if not plan.dropped:
            _drop_staging(module, plan, log)
        if plan.keys and not plan.keys_dropped:
            _drop_staging(module, plan, log, plan.keys, plan.keys_drop)


def _missing_step(module, plan):
    if module.delete_missing == DeleteMissing.HARD:
        return f"deleting the rows missing at the source from {plan.table} (rolled back)"
    return (
        f"marking the rows missing at the source in {plan.table} (rolled back; a soft delete "
        "needs a deleted_at column)"
    )


def _drop_staging(module, plan, log, table=None, drop=None):
    table, drop = table or plan.staging, drop or plan.drop
    log.note(f"dropping staging table {table}")
    try:
        jrunner.execute(module.dest, [drop], lock_timeout=module.lock_timeout)
    except jrunner.JrunnerError as exc:
        # Reported after the outcome, so it never hides why the run failed.
        error = f"dropping staging table {table}: {exc}"
        plan.drop_error = "; ".join(e for e in (plan.drop_error, error) if e)
        log.note(error)


def _run_hooks(module, run, status, log, cancel):
    """Run the hooks matching the outcome in run_order; record each.

    Return (an error for the first failure, the name of a hook a cancel stopped: the hooks after
    it do not run). The hooks of a run that was cancelled cannot be cancelled again."""
    wanted = [RunOn.ALWAYS, RunOn.SUCCESS if status == Status.SUCCESS else RunOn.FAILURE]
    should_cancel = None if status == Status.CANCELLED or cancel.timed_out else cancel
    first_error = ""
    for hook in module.hooks.filter(enabled=True, run_on__in=wanted).order_by("run_order", "name"):
        conn = hook.target_connection()
        log.note(f"hook {hook.name} ({hook.run_on}) on {conn.name}")
        started = time.monotonic()
        try:
            jrunner.execute(conn, [hook.sql], lock_timeout=module.lock_timeout, should_cancel=should_cancel)
            result, error = "success", ""
        except jrunner.JrunnerCancelled:
            log.note(f"  stopped: {cancel.stopped()[1]}")
            run.hook_results.append(_hook_result(hook, "cancelled", "", started))
            return first_error, hook.name
        except (jrunner.JrunnerError, SecretError) as exc:
            result, error = "error", str(exc)
            first_error = first_error or f"the merge committed, but hook {hook.name} failed: {error}"
            log.note(f"  failed: {error}")
        run.hook_results.append(_hook_result(hook, result, error, started))
    return first_error, None


def _hook_result(hook, result, error, started):
    return {
        "name": hook.name,
        "run_on": hook.run_on,
        "status": result,
        "error": error,
        "seconds": round(time.monotonic() - started, 3),
    }
