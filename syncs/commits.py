"""Whether a run's merge committed, read from the destination's bookkeeping table.

Every load writes its run's row there in its own transaction (syncs.plan), so after a cancel, a
SIGTERM, a killed jrunner or a killed run the row tells the truth about the destination."""

from connections import jrunner
from connections.secrets import SecretError


def merge_committed(module, run_id):
    """Return (True, "") when run_id's merge into module's destination committed, (False, "")
    when it did not, and (None, why) when the destination cannot tell."""
    dest = module.dest
    schema = dest.effective_staging_schema()
    check = dest.dialect.commit_check_sql(schema, module.name, run_id)
    try:
        try:
            _, rows = jrunner.query(dest, check)
        except jrunner.JrunnerError as exc:
            # A run stopped before it created the table (the destination's first run) cannot have
            # committed: its merge writes to that table. Any other failure fails again here.
            try:
                jrunner.execute(dest, dest.dialect.create_commits_sql(schema))
            except jrunner.JrunnerError:
                raise exc from None
            _, rows = jrunner.query(dest, check)
    except (jrunner.JrunnerError, SecretError) as exc:
        return None, str(exc)
    return rows[0][0] != "0", ""
