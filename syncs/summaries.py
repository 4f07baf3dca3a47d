"""The newest run of each module (or group) for list pages and the API: one indexed lookup per
row shown, never a ranking of the whole run history."""

from django.db.models import OuterRef, Subquery

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


def newest_run(runs, owner):
    """The subquery of the newest of `runs` whose `owner` (a foreign key) is the outer row."""
    return runs.filter(**{owner: OuterRef("pk")}).order_by("-created_at", "-id")[:1]


def latest_runs(runs, owner, owner_ids):
    """Return {owner id: its newest run} among `runs` (RunLog or GroupRun), for the given owners.

    One query: each owner's newest run id comes from the (owner, created_at) index."""
    owners = runs.model._meta.get_field(owner).related_model
    newest_ids = owners.objects.filter(pk__in=owner_ids).values(
        run=Subquery(newest_run(runs, owner).values("pk"))
    )
    return {getattr(run, f"{owner}_id"): run for run in runs.filter(pk__in=newest_ids)}
