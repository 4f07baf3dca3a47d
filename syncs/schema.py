"""A module's columns against its queries and its destination table: reading, creating, adding."""

from django.db import transaction

from connections import introspection, jrunner
from connections.columns import make_column, next_column_id
from syncs.models import Module
from syncs.plan import substitute_tokens

# Reading a query's columns happens before any watermark is resolved; any value of the
# right shape lets the database type-check it. A quoted token is usually a date or text.
QUOTED_TOKEN_VALUE = "1970-01-01"
BARE_TOKEN_VALUE = "0"


class SchemaError(Exception):
    """A change to a module's columns was refused; the message says why, for the operator."""


def sample_sql(sql, dialect, values=None):
    """Return (sql with each {token} replaced as a run replaces it, {token: value used}) for
    reading its columns only.

    A token takes values[token] when it is not None, else a neutral value."""
    values = values or {}
    used = {}

    def value_of(name, quoted):
        value = values.get(name)
        if value is None:
            value = QUOTED_TOKEN_VALUE if quoted else BARE_TOKEN_VALUE
        used[name] = value
        return value

    return substitute_tokens(sql, dialect, value_of), used


def module_query_columns(conn, sql, watermark_defaults=None):
    """Return the columns a module query yields, its {tokens} replaced as sample_sql does."""
    sample, _ = sample_sql(sql, conn.dialect, watermark_defaults)
    return introspection.query_columns(conn, sample)


def existing_table_columns(conn, table):
    """Return [{dest_name, dest_type}] of an existing table ('schema.table' or 'table'), or None if absent.

    Types are spelled as the dialect maps the table's JDBC metadata, so they compare with a
    module's dest_type values mapped the same way."""
    dialect = conn.dialect
    schema, name = dialect.split_table(table)
    _, rows = jrunner.query(conn, dialect.list_columns_sql(schema, name))
    if not rows:
        return None
    metadata = jrunner.metadata(conn, dialect.zero_row_wrap(f"SELECT * FROM {dialect.qualify(table)}"))
    return [
        {
            "dest_name": m["name"],
            "dest_type": dialect.map_type(m["type_code"], m["precision"], m["scale"], m["type_name"]),
        }
        for m in metadata
    ]


def same_type(a, b):
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def column_differences(columns, existing):
    """Return the module columns an existing table lacks or types differently.

    Merges insert by name, so the table's column order and its extra columns do not matter."""
    table_types = {c["dest_name"]: c["dest_type"] for c in existing}
    return [
        {
            "dest_name": c["dest_name"],
            "dest_type": c["dest_type"],
            "table_type": table_types.get(c["dest_name"]),
        }
        for c in columns
        if c["dest_name"] not in table_types or not same_type(c["dest_type"], table_types[c["dest_name"]])
    ]


def create_table(conn, table, columns):
    """Create the destination table for module columns, in one transaction."""
    jrunner.execute(conn, conn.dialect.create_table_sql(table, columns))


def add_column(module, column, *, source_query=None):
    """Add a column ({dest_name, dest_type, description}) at the end of the module's destination
    table and of its columns; return the module column, with its id and source name and type.

    source_query, when given, replaces the module's query, which must then return the new
    column last. Raise SchemaError, changing nothing, when the name is taken, the query does
    not fit or the destination refuses the ALTER."""
    taken = {c["dest_name"].lower() for c in module.columns}
    if column["dest_name"].lower() in taken:
        raise SchemaError(f"{module.name} already has a column named {column['dest_name']}.")
    if module.running_run_id:
        raise SchemaError(f"{module.name} is running (run {module.running_run_id}); add the column after it.")
    query = module.source_query if source_query is None else source_query
    defaults = {w.name: w.default_value for w in module.watermarks.all()}
    try:
        returned = module_query_columns(module.source, query, defaults)
    except jrunner.JrunnerError as exc:
        raise SchemaError(f"The source query failed: {exc}") from exc
    if len(returned) != len(module.columns) + 1:
        raise SchemaError(
            f"The source query returns {len(returned)} columns; with the new one the module has "
            f"{len(module.columns) + 1}. Add the new column to the query's select list, last."
        )
    column = make_column(
        next_column_id(module.columns),
        source_name=returned[-1]["name"],
        source_type=returned[-1]["source_type"],
        dest_name=column["dest_name"],
        dest_type=column["dest_type"],
        description=column.get("description", ""),
    )
    dest = module.dest
    try:
        jrunner.execute(dest, dest.dialect.add_column_sql(module.dest_table, column))
    except jrunner.JrunnerError as exc:
        raise SchemaError(f"{dest.name} refused the new column: {exc}") from exc
    with transaction.atomic():
        locked = Module.objects.select_for_update().get(pk=module.pk)
        locked.columns = [*locked.columns, column]
        locked.source_query = query
        locked.save(update_fields=["columns", "source_query", "updated_at"])
    module.refresh_from_db()
    return column
