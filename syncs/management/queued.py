from django.core.management.base import CommandError

from syncs.models import Status


def queued_record(records, pk, what):
    """Return the record pk of the queryset records that a command's `--…-id` option executes, or
    raise a CommandError naming `what` ("run", "group run", "verification") when there is none or
    it is no longer queued (it started, or was cancelled, meanwhile)."""
    record = records.filter(pk=pk).first()
    if record is None:
        raise CommandError(f"there is no {what} {pk}")
    if record.status != Status.QUEUED:
        raise CommandError(f"{what} {pk} is {record.status}, not queued")
    return record
