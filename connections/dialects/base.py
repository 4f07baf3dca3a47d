"""The interface every dialect implements. Column dicts are module columns:
{id, source_name, source_type, dest_name, dest_type, description}."""


class Dialect:
    kind = ""
    default_staging_schema = ""
    # True where jrunner -b has a native bulk path into this database (COPY, LOAD DATA).
    has_bulk_path = False
    # True where TRUNCATE is transactional, so a full refresh may load straight into the
    # destination with jrunner -c (clear and load in one transaction).
    transactional_truncate = False

    def quote_identifier(self, name):
        """Return name quoted as an identifier."""
        raise NotImplementedError

    def split_table(self, table):
        """Return (schema or None, table) of 'schema.table' or 'table'."""
        schema, _, name = table.rpartition(".")
        return (schema or None), name

    def qualify(self, table):
        """Return 'schema.table' or 'table' with each part quoted."""
        schema, name = self.split_table(table)
        return ".".join(self.quote_identifier(p) for p in (schema, name) if p)

    def list_schemas_sql(self):
        """SQL returning one column: schema name."""
        raise NotImplementedError

    def list_tables_sql(self, schema):
        """SQL returning one column: table (and view) names in schema."""
        raise NotImplementedError

    def list_columns_sql(self, schema, table):
        """SQL returning columns name, type, comment of a table, in column order."""
        raise NotImplementedError

    def zero_row_wrap(self, sql):
        """Wrap a query so it returns its columns and no rows."""
        raise NotImplementedError

    def map_type(self, jdbc_type, precision, scale, type_name):
        """Return this database's column type for a source column's JDBC metadata."""
        raise NotImplementedError

    def create_table_sql(self, table, columns):
        """Return the statements that create table with columns (and their comments)."""
        raise NotImplementedError

    def add_column_sql(self, table, column):
        """Return the statements that add column at the end of table (with its comment)."""
        raise NotImplementedError

    def staging_table(self, schema, module_name):
        """Return the qualified staging table name for a module."""
        raise NotImplementedError

    def create_staging_sql(self, staging, columns):
        """Return the statements that (re)create the staging table with exactly columns, in order."""
        raise NotImplementedError

    def drop_staging_sql(self, staging):
        """Return the statement that drops the staging table if it exists."""
        raise NotImplementedError

    def merge_sql(self, strategy, dest_table, staging, columns, merge_key):
        """Return the statements that merge staging into dest_table, run in one transaction."""
        raise NotImplementedError
