"""A module's columns against its queries and its destination table: reading, creating, adding."""

from dataclasses import dataclass, field

from django.db import transaction

from connections import introspection, jrunner
from connections.columns import make_column, next_column_id, takes, type_family
from connections.secrets import SecretError
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


@dataclass
class Drift:
    """How the columns a source query returns differ from the module's.

    extra: columns the module does not load ({name, source_type}, with dest_name and dest_type
    proposed);
    retyped: columns of another kind than recorded that the destination still takes
    ({source_name, was, now, dest_name, dest_type}); problems: why the load cannot go on (a
    missing column, or one retyped into what the destination cannot take), one line each."""

    extra: list = field(default_factory=list)
    retyped: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def record(self):
        """What a run keeps of it (RunLog.drift): empty when nothing drifted."""
        return {k: v for k, v in (("extra", self.extra), ("retyped", self.retyped)) if v}


def _find(name, labels):
    """The index of the label a module's source name matches, as jrunner's -scols does: the one
    equal, else the one equal ignoring case; None when there is none (or several)."""
    for same in (lambda a, b: a == b, lambda a, b: a.lower() == b.lower()):
        found = [i for i, label in enumerate(labels) if same(label, name)]
        if len(found) == 1:
            return found[0]
    return None


def source_drift(module, returned):
    """Compare the columns a source query returns (introspection.query_columns) with the module's.

    A type change is seen only for a column whose source type the module recorded (the wizard
    and + add column do), by the kind of value it holds, so spellings of one type do not count;
    and not on a source whose types say nothing (SQLite)."""
    drift = Drift()
    typed = module.source.dialect.typed_columns
    labels = [c["name"] for c in returned]
    used = set()
    for position, column in enumerate(module.columns):
        name, dest = column.get("source_name") or "", column["dest_type"]
        was = column.get("source_type") or ""
        # A column its database gave no name is taken by position, as jrunner takes it.
        index = _find(name, labels) if name else (position if position < len(labels) else None)
        if index is None:
            name = name or f"(unnamed column {position + 1})"
            typed = f"the module's source type {was}, " if was else ""
            drift.problems.append(
                f"the query returns no column {name} ({typed}destination column {column['dest_name']} {dest})"
            )
            continue
        used.add(index)
        now = returned[index]["source_type"]
        family = type_family(module.source.dialect.map_type(*_jdbc(returned[index])))
        if not typed or not family or type_family(was) in ("", family):
            continue
        if takes(dest, family):
            drift.retyped.append(
                {
                    "source_name": name,
                    "was": was,
                    "now": now,
                    "dest_name": column["dest_name"],
                    "dest_type": dest,
                }
            )
        else:
            drift.problems.append(
                f"column {name} is {now} now, not {was}, and destination column "
                f"{column['dest_name']} {dest} cannot take it"
            )
    if drift.problems:
        drift.problems.append(f"it returns {', '.join(labels)}")
    dest_dialect = module.dest.dialect
    drift.extra = [
        {
            "name": c["name"],
            "source_type": c["source_type"],
            "dest_name": dest_dialect.identifier(c["name"]),
            "dest_type": dest_dialect.map_type(*_jdbc(c)),
        }
        for i, c in enumerate(returned)
        if i not in used
    ]
    return drift


def _jdbc(column):
    return column["type_code"], column["precision"], column["scale"], column["type_name"]


def check_source(module, sql, should_cancel=None):
    """Read the columns sql returns on the module's source (no row is read) and compare them."""
    if not module.columns:
        return Drift(problems=["the module has no columns"])
    returned = introspection.query_columns(
        module.source, sql, lock_timeout=module.lock_timeout, should_cancel=should_cancel
    )
    if not returned:
        return Drift(problems=["the query returns no columns"])
    return source_drift(module, returned)


def add_column(module, column, *, source_query=None, source_name=None):
    """Add a column ({dest_name, dest_type, description}) at the end of the module's destination
    table and of its columns; return the module column, with its id and source name and type.

    source_query, when given, replaces the module's query, which must then return the new
    column last; source_name, when given, names the new column among those the query returns
    instead (a column a drift notice offers). Raise SchemaError, changing nothing, when the name
    is taken, the query does not fit or the destination refuses the ALTER."""
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
    if source_name is not None:
        index = _find(source_name, [c["name"] for c in returned])
        if index is None:
            raise SchemaError(f"The source query returns no column {source_name}.")
        new = returned[index]
    elif len(returned) != len(module.columns) + 1:
        raise SchemaError(
            f"The source query returns {len(returned)} columns; with the new one the module has "
            f"{len(module.columns) + 1}. Add the new column to the query's select list, last."
        )
    else:
        new = returned[-1]
    column = make_column(
        next_column_id(module.columns),
        source_name=new["name"],
        source_type=new["source_type"],
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


def check_module_source(module):
    """Return the Drift of module's source query as a run would find it, reading no row: its
    {tokens} take their watermarks' default values (or neutral ones), as the wizard's do."""
    defaults = {w.name: w.default_value for w in module.watermarks.all()}
    sql, _ = sample_sql(module.source_query, module.source.dialect, defaults)
    try:
        return check_source(module, sql)
    except (jrunner.JrunnerError, SecretError) as exc:
        return Drift(problems=[f"the source query failed: {exc}"])
