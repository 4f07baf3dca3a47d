"""What a source database holds, read through jrunner, and the module columns proposed from it."""

from connections import jrunner
from connections.columns import column_id, make_column


def list_schemas(conn):
    """Return the schema names of a connection."""
    _, rows = jrunner.query(conn, conn.dialect.list_schemas_sql())
    return [row[0] for row in rows]


def list_tables(conn, schema):
    """Return the table and view names in a schema."""
    _, rows = jrunner.query(conn, conn.dialect.list_tables_sql(schema))
    return [row[0] for row in rows]


def table_columns(conn, schema, table):
    """Return a table's columns: JDBC metadata plus source_type and comment from the catalog."""
    dialect = conn.dialect
    columns = query_columns(conn, f"SELECT * FROM {dialect.qualify_parts(schema, table)}")
    _, rows = jrunner.query(conn, dialect.list_columns_sql(schema, table))
    catalog = {row[0]: row for row in rows}
    for column in columns:
        _, source_type, comment = catalog.get(column["name"], (None, None, None))
        column["source_type"] = source_type or column["source_type"]
        column["comment"] = comment or ""
    return columns


def query_columns(conn, sql, **waits):
    """Return the columns a query yields (JDBC metadata and a source_type), without reading rows.

    waits: lock_timeout and should_cancel for jrunner.metadata."""
    dialect = conn.dialect
    columns = [dialect.source_column(c) for c in jrunner.metadata(conn, dialect.zero_row_wrap(sql), **waits)]
    for column in columns:
        column["source_type"] = column["type_name"]
        column["comment"] = ""
    return columns


def propose_columns(source_columns, dest_dialect):
    """Return module columns for source columns: the destination's identifiers (unique), its
    types for the source's JDBC metadata, the source's comments, ids c1, c2, …"""
    proposed = []
    taken = set()
    for number, column in enumerate(source_columns, start=1):
        base = name = dest_dialect.identifier(column["name"])
        suffix = 1
        while name.lower() in taken:
            suffix += 1
            name = f"{base[: dest_dialect.max_identifier_length - len(str(suffix)) - 1]}_{suffix}"
        taken.add(name.lower())
        proposed.append(
            make_column(
                column_id(number),
                source_name=column["name"],
                source_type=column["source_type"],
                dest_name=name,
                dest_type=dest_dialect.map_type(
                    column["type_code"], column["precision"], column["scale"], column["type_name"]
                ),
                description=column["comment"],
            )
        )
    return proposed


def server_version(conn):
    """Connect through jrunner, run the dialect's probe query and return what it names: the server
    and its version."""
    _, rows = jrunner.query(conn, conn.dialect.version_sql)
    return rows[0][0]
