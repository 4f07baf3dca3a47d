"""SQLite: one schema, main; no column comments; types are affinities.

There is no comment on a column: list_columns_sql returns NULL as the comment and
create_table_sql writes none. Staging is a pipekit_stg_<module> table in the same file.
"""

from connections.dialects.base import BIGINT, INTEGER, Dialect


class SQLiteDialect(Dialect):
    kind = "sqlite"
    version_sql = "SELECT 'SQLite ' || sqlite_version()"
    current_schema = "'main'"
    transactional_ddl = True
    # Any column holds any value, and an expression's column reports NUMERIC whatever it gives.
    typed_columns = False

    types = {
        **Dialect.types,
        "double": "DOUBLE",
        # NUMERIC affinity keeps only 15 significant digits (it stores a REAL); TEXT keeps them all.
        "numeric_unbounded": "TEXT",
        "text": "TEXT",
        "timetz": "TIME",
        "timestamptz": "TIMESTAMP",
    }
    # Lengths mean nothing to SQLite: every string is TEXT.
    max_char = max_varchar = 0
    max_numeric_precision = max_numeric_scale = 15

    def source_column(self, column):
        # Every SQLite INTEGER holds 64-bit values, but sqlite-jdbc reports it as Types.INTEGER:
        # mapped as such, a large value would not fit the destination column.
        if column["type_code"] == INTEGER:
            return {**column, "type_code": BIGINT}
        return column

    def list_schemas_sql(self):
        return "SELECT 'main' AS name"

    def list_tables_sql(self, schema):
        return (
            f"SELECT name FROM {self.quote_identifier(schema or 'main')}.sqlite_master "
            "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )

    def list_columns_sql(self, schema, table):
        return (
            "SELECT name, type, NULL AS comment "
            f"FROM pragma_table_info({self.literal(table)}, {self.literal(schema or 'main')}) ORDER BY cid"
        )

    def comment_sql(self, table, column):
        return []

    def create_schema_sql(self, schema):
        # A schema is an attached database file; there is nothing to create.
        return []

    def delete_equal_keys_sql(self, dest_table, staging, merge_key):
        """Use IN (subquery): SQLite builds it into an index once, while a correlated EXISTS
        scans the staging table again for every destination row."""
        keys = ", ".join(map(self.quote_identifier, merge_key))
        return (
            f"DELETE FROM {self.qualify(dest_table)} "
            f"WHERE ({keys}) IN (SELECT {keys} FROM {self.qualify(staging)})"
        )

    def missing_rows_sql(self, mode, dest_table, keys, merge_key, where, marked_at):
        """IN (subquery) for rows with a whole key, for the index SQLite builds once (see
        delete_equal_keys_sql); the null-safe comparison only for rows with a NULL key part."""
        partial = super().missing_rows_sql(mode, dest_table, keys, merge_key, where, marked_at)[1]
        dest = self.qualify(dest_table)
        quoted = [self.quote_identifier(k) for k in merge_key]
        names = ", ".join(quoted)
        whole = " AND ".join(f"{dest}.{q} IS NOT NULL" for q in quoted)
        change = self.change_missing_sql(mode, dest_table, marked_at)
        return [
            f"{change} WHERE {' AND '.join([*where, whole])} "
            f"AND ({names}) IN (SELECT {names} FROM {self.qualify(keys)})",
            partial,
        ]

    def null_safe_equal(self, a, b):
        return f"{a} IS {b}"
