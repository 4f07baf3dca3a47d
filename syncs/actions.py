"""Changes that span several rows or a database, each one function, all or nothing."""

from django.db import transaction

from syncs import schema
from syncs.models import Module


def create_module(module, *, watermarks=(), create_table=False):
    """Save a new module and its watermarks and, with create_table, create its destination table
    from its columns; return the module.

    The table comes last, so a refused CREATE TABLE (jrunner.JrunnerError) saves nothing."""
    with transaction.atomic():
        module.save()
        for watermark in watermarks:
            watermark.module = module
            watermark.save()
        if create_table:
            schema.create_table(module.dest, module.dest_table, module.table_columns())
    return module


class EditRefused(Exception):
    """A module edit was not saved; the message says why, for the operator."""


def update_module(module, *, version, formsets=(), create_table=False):
    """Save an edited module and its watermark and hook formsets (saved with commit=False, so their
    deleted_objects are known) and, with create_table, create its destination table; all or nothing.

    version is the module's updated_at the operator reviewed: EditRefused when it changed since,
    or when the module is running (a run reads its module once, at its start)."""
    with transaction.atomic():
        current = Module.objects.select_for_update().get(pk=module.pk)
        if current.updated_at != version:
            raise EditRefused(
                f"{current.name} was changed by someone else meanwhile; review the changes again."
            )
        if current.running_run_id:
            raise EditRefused(
                f"{current.name} is running (run {current.running_run_id}); save after it ends."
            )
        module.save()
        for formset in formsets:
            for gone in formset.deleted_objects:
                gone.delete()
            for row in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
                row.module = module
                row.save()
        if create_table:
            schema.create_table(module.dest, module.dest_table, module.columns)
    return module
