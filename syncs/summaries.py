"""Per-module run summaries for list pages and the API, one query each whatever the module count."""

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from syncs.models import RunLog, Status

# Lists need none of a run's long texts.
LONG_FIELDS = ["live_log", "stdout", "stderr", "resolved_sql", "merge_sql", "hook_results"]


def _ranked(runs):
    newest_first = [F("created_at").desc(), F("id").desc()]
    return runs.annotate(rank=Window(RowNumber(), partition_by=F("module_id"), order_by=newest_first))


def last_runs(module_ids):
    """Return {module id: its latest run} for the modules that have run."""
    runs = _ranked(RunLog.objects.filter(module_id__in=module_ids).defer(*LONG_FIELDS)).filter(rank=1)
    return {run.module_id: run for run in runs}


def recent_successes(module_ids, count):
    """Return {module id: its last `count` successful real runs, oldest first}."""
    runs = RunLog.objects.filter(module_id__in=module_ids, status=Status.SUCCESS, dry_run=False)
    runs = _ranked(runs.defer(*LONG_FIELDS))
    by_module = {}
    for run in runs.filter(rank__lte=count).order_by("created_at", "id"):
        by_module.setdefault(run.module_id, []).append(run)
    return by_module
