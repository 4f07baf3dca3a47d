"""SQL Server (2016 or later, for DROP TABLE IF EXISTS).

Quirks: a derived table may not hold ORDER BY (without TOP/OFFSET), a WITH clause or an
unnamed column, so zero_row_wrap does not wrap: it runs the query under SET FMTONLY ON,
which returns the columns and no rows (deprecated, still in SQL Server 2022; Microsoft's
own JDBC driver describes statements so); column comments are MS_Description extended
properties; IS NOT DISTINCT FROM only exists from SQL Server 2022, so null-safe key
matching is spelled out.
"""

from connections.dialects.base import Dialect


class MSSQLDialect(Dialect):
    kind = "mssql"
    version_sql = "SELECT @@VERSION"
    default_staging_schema = "pipekit_staging"
    quote_open, quote_close = "[", "]"
    current_schema = "SCHEMA_NAME()"
    add_column_keyword = "ADD"

    def zero_row_wrap(self, sql):
        # The newline before SET keeps a trailing '-- comment' from swallowing it.
        return f"SET FMTONLY ON;\n{self.strip_statement(sql)}\nSET FMTONLY OFF"

    types = {
        "boolean": "bit",
        "smallint": "smallint",
        "integer": "int",
        "bigint": "bigint",
        "real": "real",
        "double": "float",
        "numeric": "decimal({p},{s})",
        "numeric_unbounded": "decimal(38,10)",
        # n-types: UTF-16 keeps every character whatever the database's collation.
        "char": "nchar({n})",
        "varchar": "nvarchar({n})",
        "text": "nvarchar(max)",
        "binary": "varbinary(max)",
        "date": "date",
        "time": "time(6)",
        "timetz": "time(6)",
        "timestamp": "datetime2(6)",
        "timestamptz": "datetimeoffset(6)",
    }
    max_char = max_varchar = 4000
    max_numeric_precision = max_numeric_scale = 38
    named_types = {"uuid": "uniqueidentifier", "uniqueidentifier": "uniqueidentifier"}

    def literal(self, value):
        return "N" + super().literal(value)

    def list_schemas_sql(self):
        # Schemas of fixed database roles (db_owner, …) have ids from 16384.
        return (
            "SELECT name FROM sys.schemas "
            "WHERE schema_id < 16384 AND name NOT IN (N'sys', N'INFORMATION_SCHEMA', N'guest') ORDER BY name"
        )

    def list_columns_sql(self, schema, table):
        object_name = self.literal(self.qualify_parts(schema, table))
        return (
            "SELECT c.name AS name, TYPE_NAME(c.user_type_id) AS type, "
            "CAST(p.value AS nvarchar(4000)) AS comment "
            "FROM sys.columns c "
            "LEFT JOIN sys.extended_properties p ON p.class = 1 AND p.major_id = c.object_id "
            "AND p.minor_id = c.column_id AND p.name = N'MS_Description' "
            f"WHERE c.object_id = OBJECT_ID({object_name}) ORDER BY c.column_id"
        )

    def comment_sql(self, table, column):
        if not column.get("description"):
            return []
        schema, name = self.split_table(table)
        # The procedure takes names, not identifiers; an unqualified table is taken as dbo's.
        return [
            "EXEC sp_addextendedproperty @name = N'MS_Description', "
            f"@value = {self.literal(column['description'])}, "
            f"@level0type = N'SCHEMA', @level0name = {self.literal(schema or 'dbo')}, "
            f"@level1type = N'TABLE', @level1name = {self.literal(name)}, "
            f"@level2type = N'COLUMN', @level2name = {self.literal(column['dest_name'])}"
        ]

    def create_schema_sql(self, schema):
        # CREATE SCHEMA must be alone in its batch, hence EXEC.
        create = self.literal(f"CREATE SCHEMA {self.quote_identifier(schema)}")
        return [f"IF SCHEMA_ID({self.literal(schema)}) IS NULL EXEC({create})"]

    def create_commits_sql(self, schema):
        # No CREATE TABLE IF NOT EXISTS here.
        *create_schema, create = super().create_commits_sql(schema)
        create = create.replace("CREATE TABLE IF NOT EXISTS", "CREATE TABLE", 1)
        name = self.literal(self.commits_table(schema))
        return [*create_schema, f"IF OBJECT_ID({name}, N'U') IS NULL EXEC({self.literal(create)})"]

    def null_safe_equal(self, a, b):
        return f"({a} = {b} OR ({a} IS NULL AND {b} IS NULL))"
