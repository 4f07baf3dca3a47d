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


class Merges:
    """The merge tests' table and staging on one kind of database: the module 'orders' with
    columns, loaded into table, whose columns are names as a select list."""

    def __init__(self, dialect, columns, table, names, *, staging_schema, placeholder="%s"):
        self.dialect, self.columns, self.table, self.names = dialect, columns, table, names
        self.staging_schema, self.placeholder = staging_schema, placeholder

    def dest_rows(self, db, table=None):
        return db.rows(f"SELECT {self.names} FROM {self.dialect.qualify(table or self.table)} ORDER BY 1, 2")

    def stage(self, db, rows, schema=None):
        """Create the staging table for module 'orders' and fill it with rows."""
        staging = self.dialect.staging_table(self.staging_schema if schema is None else schema, "orders")
        run(db, self.dialect.create_staging_sql(staging, self.columns))
        values = ", ".join([self.placeholder] * len(self.columns))
        for row in rows:
            db.execute(f"INSERT INTO {staging} VALUES ({values})", row)
        return staging
