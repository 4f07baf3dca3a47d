"""MariaDB: backquoted names, inline column comments, LOAD DATA as the bulk path.

TRUNCATE commits implicitly, so a full refresh clears with DELETE inside the merge
transaction. Staging has no schema of its own by default: an unqualified
pipekit_stg_<module> table in the connection's database.
"""

from connections.dialects.base import DELETED_AT, KEYS, STAGED, Dialect

# MariaDB refuses longer column comments in strict mode.
MAX_COMMENT = 1024


class MariaDBDialect(Dialect):
    kind = "mariadb"
    version_sql = "SELECT CONCAT('MariaDB / MySQL ', version())"
    has_bulk_path = True
    quote_open = quote_close = "`"
    backslash_escapes = True
    current_schema = "DATABASE()"
    max_identifier_length = 64
    # utf8mb4 keeps 4-byte characters; a binary collation keeps 'a' and 'A' apart, so an
    # incremental merge never deletes a row whose key differs from a staged one only in case.
    table_options = " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

    types = {
        "boolean": "BOOLEAN",
        "smallint": "SMALLINT",
        "integer": "INT",
        "bigint": "BIGINT",
        "real": "FLOAT",
        "double": "DOUBLE",
        "numeric": "DECIMAL({p},{s})",
        "numeric_unbounded": "DECIMAL(65,30)",
        "char": "CHAR({n})",
        "varchar": "VARCHAR({n})",
        "text": "LONGTEXT",
        "binary": "LONGBLOB",
        "date": "DATE",
        "time": "TIME(6)",
        "timetz": "TIME(6)",
        "timestamp": "DATETIME(6)",
        # No zoned type: TIMESTAMP would be one but stops in 2038.
        "timestamptz": "DATETIME(6)",
    }
    # A row's columns share 65535 bytes (LONGTEXT counts a few), and utf8mb4 takes 4 bytes a
    # character: longer strings go to LONGTEXT, or a few wide VARCHARs make CREATE TABLE fail
    # with "Row size too large" (sixty-four VARCHAR(255) still fit).
    max_char = max_varchar = 255
    max_numeric_precision = 65
    max_numeric_scale = 38
    named_types = {"uuid": "CHAR(36)", "uniqueidentifier": "CHAR(36)"}

    def list_schemas_sql(self):
        return (
            "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA "
            "WHERE SCHEMA_NAME NOT IN ('information_schema', 'mysql', 'performance_schema', 'sys') ORDER BY 1"
        )

    def list_columns_sql(self, schema, table):
        return (
            "SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, NULLIF(COLUMN_COMMENT, '') AS comment "
            "FROM information_schema.COLUMNS "
            f"WHERE TABLE_SCHEMA = {self.schema_literal(schema)} AND TABLE_NAME = {self.literal(table)} "
            "ORDER BY ORDINAL_POSITION"
        )

    def column_sql(self, column):
        definition = super().column_sql(column)
        if column.get("description"):
            definition += f" COMMENT {self.literal(column['description'][:MAX_COMMENT])}"
        return definition

    def comment_sql(self, table, column):
        return []

    def delete_matching_sql(self, dest_table, staging, merge_key):
        """A multi-table DELETE joined on the null-safe <=> to the staged keys.

        The staged keys go through a DISTINCT derived table, which MariaDB materializes with
        an index on the join columns: a join straight to the unindexed staging table, or a
        correlated EXISTS, compares every destination row with every staged row."""
        keys = [self.quote_identifier(k) for k in merge_key]
        on = " AND ".join(f"pipekit_dest.{k} <=> {STAGED}.{k}" for k in keys)
        return [
            f"DELETE pipekit_dest FROM {self.qualify(dest_table)} pipekit_dest "
            f"JOIN (SELECT DISTINCT {', '.join(keys)} FROM {self.qualify(staging)}) {STAGED} ON {on}"
        ]

    def missing_rows_sql(self, mode, dest_table, keys, merge_key, where, marked_at):
        """One multi-table statement, joined on the null-safe <=> to the distinct keys, which
        MariaDB materializes with an index (see delete_matching_sql). The keys' columns are
        renamed so the scope's unqualified names can only mean the destination's."""
        quoted = [self.quote_identifier(k) for k in merge_key]
        picked = ", ".join(f"{q} AS pipekit_k{i}" for i, q in enumerate(quoted))
        on = " AND ".join(f"pipekit_dest.{q} <=> {KEYS}.pipekit_k{i}" for i, q in enumerate(quoted))
        joined = (
            f"{self.qualify(dest_table)} pipekit_dest JOIN "
            f"(SELECT DISTINCT {picked} FROM {self.qualify(keys)}) {KEYS} ON {on}"
        )
        condition = f" WHERE {' AND '.join(where)}" if where else ""
        if mode == "hard":
            return [f"DELETE pipekit_dest FROM {joined}{condition}"]
        deleted_at = f"pipekit_dest.{self.quote_identifier(DELETED_AT)}"
        return [f"UPDATE {joined} SET {deleted_at} = {self.literal(marked_at)}{condition}"]
