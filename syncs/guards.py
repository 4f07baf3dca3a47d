"""The guards a merge must pass before it commits (docs/ARCHITECTURE.md, "Guards and counts").

jrunner holds the merge's transaction open and hands the run its counts (connections.jrunner
Counts); refusal() reads them and says whether the merge may commit. A refusal rolls everything
back, so the destination stays exactly as it was."""

from syncs.models import DeleteMissing, Strategy

# How a guard's refusal starts, in the run's error (failure notices key on it).
GUARD = "guard: "
EMPTY_KEYS = (
    f"{GUARD}delete_missing: the key query returned no keys, so every row in scope would go; "
    "nothing was deleted (--force does not override this)"
)


def refusal(module, plan, counts):
    """Return why the merge must not commit ("guard: …", naming the rule and the counts), or None.

    EMPTY_KEYS is the one refusal --force does not override."""
    staged, table = counts.rows_staged, module.dest_table
    if module.delete_missing != DeleteMissing.NONE and not counts.keys:
        return EMPTY_KEYS
    if module.min_rows is not None and staged < module.min_rows:
        return f"{GUARD}min_rows: {staged} rows staged, fewer than the module's minimum of {module.min_rows}"
    if module.strategy == Strategy.FULL:
        before = counts.rows_cleared if plan.direct else plan.count(counts.post_counts, "cleared")
        if before and not staged and not module.allow_empty:
            return (
                f"{GUARD}allow_empty is off: the source returned no rows, and the full refresh would "
                f"empty {table}, which holds {before} rows"
            )
        if before and module.max_shrink_pct is not None:
            lost = 100 * (before - staged) / before
            if lost > module.max_shrink_pct:
                return (
                    f"{GUARD}max_shrink_pct {module.max_shrink_pct}%: the full refresh would shrink "
                    f"{table} from {before} to {staged} rows ({lost:.1f}% fewer)"
                )
    if module.delete_missing != DeleteMissing.NONE:
        in_scope = counts.keys_in_scope
        role = "deleted" if module.delete_missing == DeleteMissing.HARD else "marked"
        going = plan.count(counts.post_counts, role)
        if in_scope and 100 * going / in_scope > module.max_delete_pct:
            verb = "deleted" if role == "deleted" else "marked deleted"
            return (
                f"{GUARD}max_delete_pct {module.max_delete_pct}%: {going} of the {in_scope} rows in "
                f"scope of {table} would be {verb} ({100 * going / in_scope:.1f}%)"
            )
    return None
