"""DB2 for i (IBM i).

Quirks: a WITH clause cannot sit inside a derived table, so zero_row_wrap appends FETCH
FIRST 1 ROW ONLY to the query instead of wrapping it (it may return one row); there is no
IF EXISTS on DROP TABLE, so dropping staging ignores SQLSTATE 42704 in a compound
statement; CREATE SCHEMA creates a library with a journal and has no IF NOT EXISTS, so the
staging schema must exist (by default staging goes to the connection's current schema).
Tables changed inside a transaction must be journaled: tables created in an SQL schema are.
Unquoted names fold to upper case while Pipekit quotes every name as written, so table and
column names are best written in upper case; identifier() proposes them so.
Column comments: COMMENT ON (LONG_COMMENT, up to 2000 characters) and LABEL ON … TEXT
(COLUMN_TEXT, 50 characters, what 5250 tools show).
"""

from connections.dialects.base import Dialect

MAX_COMMENT, MAX_LABEL_TEXT = 2000, 50


class DB2iDialect(Dialect):
    kind = "db2i"
    # IBM i 7.1 and later.
    version_sql = (
        "SELECT 'DB2 for i ' CONCAT OS_VERSION CONCAT '.' CONCAT OS_RELEASE FROM SYSIBMADM.ENV_SYS_INFO"
    )
    current_schema = "CURRENT SCHEMA"

    types = {
        **Dialect.types,
        "double": "DOUBLE",
        "numeric": "DECIMAL({p},{s})",
        # DECFLOAT(34) is exact and keeps 34 digits at any scale.
        "numeric_unbounded": "DECFLOAT(34)",
        "text": "CLOB(2G)",
        "binary": "BLOB(2G)",
        # No zoned types; TIME has no fraction.
        "timetz": "TIME",
        "timestamp": "TIMESTAMP(6)",
        "timestamptz": "TIMESTAMP(6)",
    }
    max_char = 32765
    max_varchar = 32739
    max_numeric_precision = max_numeric_scale = 63

    def fold_case(self, ident):
        return ident.upper()

    def list_schemas_sql(self):
        # Q* and SYS* libraries belong to the system.
        return (
            "SELECT SCHEMA_NAME AS NAME FROM QSYS2.SYSSCHEMAS "
            "WHERE SCHEMA_NAME NOT LIKE 'Q%' AND SCHEMA_NAME NOT LIKE 'SYS%' ORDER BY 1"
        )

    def list_tables_sql(self, schema):
        # Tables, physical files, views, logical files and materialized query tables.
        return (
            "SELECT TABLE_NAME AS NAME FROM QSYS2.SYSTABLES "
            f"WHERE TABLE_SCHEMA = {self.schema_literal(schema)} AND TABLE_TYPE IN ('T', 'P', 'V', 'L', 'M') "
            "ORDER BY 1"
        )

    def list_columns_sql(self, schema, table):
        return (
            "SELECT COLUMN_NAME AS NAME, DATA_TYPE AS TYPE, COALESCE(LONG_COMMENT, COLUMN_TEXT) AS COMMENT "
            "FROM QSYS2.SYSCOLUMNS "
            f"WHERE TABLE_SCHEMA = {self.schema_literal(schema)} AND TABLE_NAME = {self.literal(table)} "
            "ORDER BY ORDINAL_POSITION"
        )

    def zero_row_wrap(self, sql):
        """Append FETCH FIRST 1 ROW ONLY: DB2 for i refuses a WITH inside a derived table, so the
        query is not wrapped; it may return one row, enough for its column metadata."""
        return f"{self.strip_statement(sql)}\nFETCH FIRST 1 ROW ONLY"

    def comment_sql(self, table, column):
        description = column.get("description")
        if not description:
            return []
        target = f"{self.qualify(table)}.{self.quote_identifier(column['dest_name'])}"
        return [
            f"COMMENT ON COLUMN {target} IS {self.literal(description[:MAX_COMMENT])}",
            f"LABEL ON COLUMN {target} TEXT IS {self.literal(description[:MAX_LABEL_TEXT])}",
        ]

    def create_schema_sql(self, schema):
        return []

    def drop_staging_sql(self, staging):
        return (
            "BEGIN DECLARE CONTINUE HANDLER FOR SQLSTATE '42704' BEGIN END; "
            f"DROP TABLE {self.qualify(staging)}; END"
        )

    def create_commits_sql(self, schema):
        # No IF NOT EXISTS: ignore SQLSTATE 42710 (the table exists) in a compound statement.
        (create,) = super().create_commits_sql(schema)
        create = create.replace("CREATE TABLE IF NOT EXISTS", "CREATE TABLE", 1)
        return [f"BEGIN DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END; {create}; END"]
