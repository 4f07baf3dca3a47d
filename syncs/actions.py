"""Changes that span several rows or a database, each one function, all or nothing."""

from django.db import transaction

from syncs import schema


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
