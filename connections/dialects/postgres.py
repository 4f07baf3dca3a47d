"""PostgreSQL: COPY is the bulk path, and a full refresh loads straight into the destination."""

from connections.dialects.base import Dialect


class PostgresDialect(Dialect):
    kind = "postgres"
    version_sql = "SELECT version()"
    default_staging_schema = "pipekit_staging"
    has_bulk_path = True
    direct_full_refresh = True
    transactional_ddl = True
    current_schema = "current_schema()"
    max_identifier_length = 63
    # Staging rows are thrown away after the merge: skipping the WAL makes the load cheaper.
    create_staging_keyword = "CREATE UNLOGGED TABLE"

    def create_schema_sql(self, schema):
        return [_unless_raced(statement) for statement in super().create_schema_sql(schema)]

    def create_commits_sql(self, schema):
        *schema_sql, create = super().create_commits_sql(schema)
        return [*schema_sql, _unless_raced(create)]

    types = {
        "boolean": "boolean",
        "smallint": "smallint",
        "integer": "integer",
        "bigint": "bigint",
        "real": "real",
        "double": "double precision",
        "numeric": "numeric({p},{s})",
        "numeric_unbounded": "numeric",
        "char": "char({n})",
        "varchar": "varchar({n})",
        "text": "text",
        "binary": "bytea",
        "date": "date",
        "time": "time",
        "timetz": "timetz",
        "timestamp": "timestamp",
        "timestamptz": "timestamptz",
    }
    max_char = max_varchar = 10485760
    max_numeric_precision = max_numeric_scale = 1000
    named_types = {
        "json": "json",
        "jsonb": "jsonb",
        "uuid": "uuid",
        "uniqueidentifier": "uuid",
        "interval": "interval",
    }

    def list_schemas_sql(self):
        return (
            "SELECT nspname AS name FROM pg_catalog.pg_namespace "
            "WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1"
        )

    def list_tables_sql(self, schema):
        # pg_class rather than information_schema.tables, which leaves out materialized views.
        return (
            "SELECT c.relname AS name FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE n.nspname = {self.schema_literal(schema)} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            "AND NOT c.relispartition ORDER BY 1"
        )

    def list_columns_sql(self, schema, table):
        return (
            "SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, "
            "d.description AS comment "
            "FROM pg_catalog.pg_attribute a "
            "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_catalog.pg_description d "
            "ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum "
            f"WHERE n.nspname = {self.schema_literal(schema)} AND c.relname = {self.literal(table)} "
            "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
        )


def _unless_raced(statement):
    """Wrap a CREATE … IF NOT EXISTS so that losing a race is no error. Two runs starting at once on
    a new destination (two queue workers) both create the staging schema and the bookkeeping
    table: PostgreSQL checks that it does not exist, then inserts into its catalog, where the
    slower one fails on the catalog's unique index (unique_violation) once the other committed."""
    return (
        f"DO $pipekit$ BEGIN {statement}; "
        "EXCEPTION WHEN unique_violation OR duplicate_schema OR duplicate_table THEN NULL; END $pipekit$"
    )
