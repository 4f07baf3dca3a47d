"""Helpers the dialect test modules share; each passes its own dialect."""

from connections import jrunner


def run(db, statements):
    for statement in statements:
        db.execute(statement)


def mapped_types_read_back(dialect, conn, type_cases):
    """Create a table of every type the cases map to, through jrunner, and map its columns again.

    Return (the mapped types, what the table's columns map to)."""
    types = list(dict.fromkeys(dialect.map_type(*case[:4]) for case in type_cases))
    columns = [{"dest_name": f"c{n}", "dest_type": t} for n, t in enumerate(types)]
    jrunner.execute(conn, dialect.create_table_sql("mapped", columns))
    metadata = jrunner.metadata(conn, dialect.zero_row_wrap("SELECT * FROM mapped"))
    return types, [
        dialect.map_type(m["type_code"], m["precision"], m["scale"], m["type_name"]) for m in metadata
    ]
