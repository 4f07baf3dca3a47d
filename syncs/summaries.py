"""The newest run of each module (or group) for list pages and the API: one indexed lookup per
row shown, never a ranking of the whole run history."""

from django.db.models import OuterRef, Subquery

from syncs.models import Status

# Lists need none of a run's long texts.
LONG_FIELDS = [
    "live_log",
    "stdout",
    "stderr",
    "resolved_sql",
    "merge_sql",
    "hook_results",
    "watermark_values",
]


def outcomes(runs):
    """The runs that say how a module (or group) is doing: no dry run, and no run that never
    started (refused by the lock or cancelled while queued), so neither hides the last real one."""
    return runs.filter(dry_run=False).exclude(status=Status.CANCELLED, started_at__isnull=True)


def newest_run(runs, owner):
    """The subquery of the newest of `runs` whose `owner` (a foreign key) is the outer row."""
    return runs.filter(**{owner: OuterRef("pk")}).order_by("-created_at", "-id")[:1]


def latest_runs(runs, owner, owner_ids):
    """Return {owner id: its newest real run} among `runs` (RunLog or GroupRun), for the given
    owners; see outcomes.

    One query: each owner's newest run id comes from the (owner, created_at) index."""
    owners = runs.model._meta.get_field(owner).related_model
    newest_ids = owners.objects.filter(pk__in=owner_ids).values(
        run=Subquery(newest_run(outcomes(runs), owner).values("pk"))
    )
    return {getattr(run, f"{owner}_id"): run for run in runs.filter(pk__in=newest_ids)}
