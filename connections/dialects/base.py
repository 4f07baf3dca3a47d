"""The interface every dialect implements, with the ANSI behaviour the dialects share.

Column dicts are module columns: {id, source_name, source_type, dest_name, dest_type, description}.
Table arguments are 'schema.table' or 'table', each part plain or already quoted the dialect's
way; every method quotes them itself, so a name may hold spaces, quotes or reserved words.
"""

import re

# java.sql.Types codes, as jrunner -m reports them.
BIT, TINYINT, SMALLINT, INTEGER, BIGINT = -7, -6, 5, 4, -5
FLOAT, REAL, DOUBLE, NUMERIC, DECIMAL = 6, 7, 8, 2, 3
CHAR, VARCHAR, LONGVARCHAR, NCHAR, NVARCHAR, LONGNVARCHAR = 1, 12, -1, -15, -9, -16
CLOB, NCLOB, SQLXML = 2005, 2011, 2009
DATE, TIME, TIMESTAMP, TIME_WITH_TIMEZONE, TIMESTAMP_WITH_TIMEZONE = 91, 92, 93, 2013, 2014
BINARY, VARBINARY, LONGVARBINARY, BLOB = -2, -3, -4, 2004
BOOLEAN, OTHER = 16, 1111

INTEGER_LADDER = ("smallint", "integer", "bigint")
TIMESTAMP_TZ_NAMES = {"timestamptz", "timestamp with time zone", "datetimeoffset"}
TIME_TZ_NAMES = {"timetz", "time with time zone"}
# sqlite-jdbc reports a declared type it does not know as NUMERIC; its name tells what it holds.
REPORTED_AS_NUMERIC = {"time": TIME, "bool": BOOLEAN, "timestamp with time zone": TIMESTAMP_WITH_TIMEZONE}
# The destination's bookkeeping table: one row per module, naming the run whose merge committed
# last, written in the merge's own transaction (see Dialect.record_commit_sql).
COMMITS_TABLE = "pipekit_commits"
# Alias of the staging table inside merge statements; unlike a short alias it cannot shadow
# a destination table referenced by its own name in the same statement.
STAGED = "pipekit_staged"
# Alias of the key staging table (delete_missing), for the same reason.
KEYS = "pipekit_keys"
# The column a soft delete sets on the destination rows missing at the source.
DELETED_AT = "deleted_at"


class Dialect:
    kind = ""
    # The probe of Test connection: one row, one cell naming the server and its version.
    version_sql = ""
    default_staging_schema = ""
    # True where jrunner -b has a native bulk path into this database (COPY, LOAD DATA).
    has_bulk_path = False
    # True where a full refresh loads straight into the destination with jrunner -c (a DELETE
    # and the load in one transaction, so readers see the old rows until the commit): where
    # jrunner's bulk path makes that cheaper than staging.
    direct_full_refresh = False
    # True where DDL is transactional, so staging is dropped in the merge's own transaction.
    transactional_ddl = False
    # True where a query's column types are the database's word on what the column holds, so a
    # changed type is schema drift (syncs.schema.source_drift).
    typed_columns = True

    quote_open = quote_close = '"'
    # True where a backslash escapes the next character of a string, as in MariaDB's default
    # sql_mode (without NO_BACKSLASH_ESCAPES).
    backslash_escapes = False
    current_schema = "CURRENT_SCHEMA"
    max_identifier_length = 128
    create_staging_keyword = "CREATE TABLE"
    add_column_keyword = "ADD COLUMN"
    table_options = ""

    # Destination types by kind; {n} is a length, {p}/{s} precision and scale.
    types = {
        "boolean": "BOOLEAN",
        "smallint": "SMALLINT",
        "integer": "INTEGER",
        "bigint": "BIGINT",
        "real": "REAL",
        "double": "DOUBLE PRECISION",
        "numeric": "NUMERIC({p},{s})",
        "numeric_unbounded": "NUMERIC",
        "char": "CHAR({n})",
        "varchar": "VARCHAR({n})",
        "text": "CLOB",
        "binary": "BLOB",
        "date": "DATE",
        "time": "TIME",
        "timetz": "TIME WITH TIME ZONE",
        "timestamp": "TIMESTAMP",
        "timestamptz": "TIMESTAMP WITH TIME ZONE",
    }
    # Limits above which a sized type becomes the unbounded one (0: never sized).
    max_char = 255
    max_varchar = 32672
    max_numeric_precision = 31
    max_numeric_scale = 31
    # Source type names (lower case) with a better destination type than their JDBC code gives.
    named_types = {}

    # --- names ---

    def quote_identifier(self, name):
        """Return name quoted as an identifier."""
        close = self.quote_close
        return f"{self.quote_open}{name.replace(close, close + close)}{close}"

    def table_parts(self, table):
        """Return the unquoted parts of 'schema.table' or 'table', each part plain or quoted."""
        text, parts, i = table.strip(), [], 0
        while True:
            if text.startswith(self.quote_open, i):
                part, i = self._quoted_part(text, i + 1)
            else:
                end = text.find(".", i)
                end = len(text) if end < 0 else end
                part, i = text[i:end].strip(), end
            if not part:
                raise ValueError(f"empty name in table {table!r}")
            parts.append(part)
            if i >= len(text):
                return parts
            if text[i] != ".":
                raise ValueError(f"unexpected {text[i:]!r} after a quoted name in table {table!r}")
            i += 1

    def _quoted_part(self, text, i):
        close, part = self.quote_close, []
        while True:
            end = text.find(close, i)
            if end < 0:
                raise ValueError(f"unbalanced quotes in table name {text!r}")
            part.append(text[i:end])
            if not text.startswith(close, end + 1):
                return "".join(part), end + 1
            part.append(close)
            i = end + 2

    def split_table(self, table):
        """Return (schema or None, table) of 'schema.table' or 'table'."""
        parts = self.table_parts(table)
        return (".".join(parts[:-1]) or None), parts[-1]

    def qualify(self, table):
        """Return 'schema.table' or 'table' with each part quoted."""
        return ".".join(self.quote_identifier(p) for p in self.table_parts(table))

    def qualify_parts(self, schema, name):
        """Return schema (may be empty) and name as one quoted, qualified name."""
        return ".".join(self.quote_identifier(p) for p in (schema, name) if p)

    def identifier(self, name):
        """Return a plain destination identifier for any source column name: letters, digits and _."""
        ident = re.sub(r"[^0-9A-Za-z_]+", "_", name.strip()).strip("_") or "column"
        if ident[0].isdigit():
            ident = f"c_{ident}"
        return self.fold_case(ident)[: self.max_identifier_length]

    def fold_case(self, ident):
        return ident.lower()

    def quoted_text(self, value, quote="'"):
        """Return value escaped to stand between two quote characters: in a string ('…') or a
        quoted name, where it cannot end the quotes early."""
        if self.backslash_escapes and quote in "'\"":
            value = value.replace("\\", "\\\\")
        return value.replace(quote, quote + quote)

    def literal(self, value):
        """Return value as a string literal."""
        return f"'{self.quoted_text(value)}'"

    def schema_literal(self, schema):
        return self.literal(schema) if schema else self.current_schema

    # --- listing ---

    def list_schemas_sql(self):
        """SQL returning one column: schema name."""
        return "SELECT SCHEMA_NAME AS name FROM INFORMATION_SCHEMA.SCHEMATA ORDER BY 1"

    def list_tables_sql(self, schema):
        """SQL returning one column: table (and view) names in schema."""
        return (
            "SELECT TABLE_NAME AS name FROM INFORMATION_SCHEMA.TABLES "
            f"WHERE TABLE_SCHEMA = {self.schema_literal(schema)} ORDER BY 1"
        )

    def list_columns_sql(self, schema, table):
        """SQL returning columns name, type, comment of a table, in column order."""
        raise NotImplementedError

    def zero_row_wrap(self, sql):
        """Wrap a query so it returns its columns and no rows.

        The query goes into a derived table; the newline before ')' keeps a trailing
        '-- comment' from swallowing it."""
        return f"SELECT * FROM (\n{self.strip_statement(sql)}\n) pipekit_zero WHERE 1=0"

    @staticmethod
    def strip_statement(sql):
        """Return sql without its final semicolon (which may be followed by a '-- comment')."""
        return re.sub(r";(\s*--[^\n']*)?$", r"\1", sql.strip()).rstrip()

    # --- types ---

    def source_column(self, column):
        """Return a column's JDBC metadata as read from this database, corrected where the
        driver understates what the column may hold."""
        return column

    def map_type(self, jdbc_type, precision, scale, type_name):
        """Return this database's column type for a source column's JDBC metadata."""
        name = (type_name or "").strip().lower()
        precision, scale = precision or 0, scale or 0
        types = self.types
        if name in self.named_types:
            return self.named_types[name]
        if jdbc_type == NUMERIC:
            jdbc_type = REPORTED_AS_NUMERIC.get(name, jdbc_type)
        if jdbc_type == BOOLEAN or (jdbc_type == BIT and precision <= 1):
            return types["boolean"]
        if jdbc_type in (TINYINT, SMALLINT, INTEGER, BIGINT):
            # Unsigned MariaDB integers need the next size up; SQL Server's tinyint is unsigned.
            step = {TINYINT: 0, SMALLINT: 0, INTEGER: 1, BIGINT: 2}[jdbc_type]
            step += "unsigned" in name and jdbc_type != TINYINT
            return types[INTEGER_LADDER[step]] if step < 3 else self.numeric_type(20, 0)
        if jdbc_type in (NUMERIC, DECIMAL):
            return self.numeric_type(precision, scale)
        if jdbc_type == REAL:
            return types["real"]
        if jdbc_type in (FLOAT, DOUBLE):
            return types["double"]
        if jdbc_type in (CHAR, NCHAR):
            return self.sized("char", precision, self.max_char) or self.varchar_type(precision)
        if jdbc_type in (VARCHAR, NVARCHAR):
            return self.varchar_type(precision)
        if jdbc_type == DATE:
            return types["date"]
        if jdbc_type in (TIME, TIME_WITH_TIMEZONE):
            tz = jdbc_type == TIME_WITH_TIMEZONE or name in TIME_TZ_NAMES
            return types["timetz" if tz else "time"]
        if jdbc_type in (TIMESTAMP, TIMESTAMP_WITH_TIMEZONE):
            tz = jdbc_type == TIMESTAMP_WITH_TIMEZONE or name in TIMESTAMP_TZ_NAMES
            return types["timestamptz" if tz else "timestamp"]
        if jdbc_type in (BINARY, VARBINARY, LONGVARBINARY, BLOB):
            return types["binary"]
        # LONGVARCHAR, CLOB, SQLXML, OTHER, ARRAY, BIT(n) and anything unknown keep their text.
        return types["text"]

    def numeric_type(self, precision, scale):
        """Return the exact numeric type for precision and scale, or the widest one when they are
        unbounded (PostgreSQL numeric without a typmod reports 0 or 131089) or out of range."""
        if 0 < precision <= self.max_numeric_precision and 0 <= scale <= min(
            precision, self.max_numeric_scale
        ):
            return self.types["numeric"].format(p=precision, s=scale)
        return self.types["numeric_unbounded"]

    def varchar_type(self, length):
        return self.sized("varchar", length, self.max_varchar) or self.types["text"]

    def sized(self, kind, length, limit):
        return self.types[kind].format(n=length) if 0 < length <= limit else None

    # --- tables ---

    def column_sql(self, column):
        """Return the column definition of a module column."""
        return f"{self.quote_identifier(column['dest_name'])} {column['dest_type']}"

    def comment_sql(self, table, column):
        """Return the statements that set a column's comment (none when it has no description)."""
        if not column.get("description"):
            return []
        target = f"{self.qualify(table)}.{self.quote_identifier(column['dest_name'])}"
        return [f"COMMENT ON COLUMN {target} IS {self.literal(column['description'])}"]

    def table_sql(self, keyword, table, columns):
        if not columns:
            raise ValueError(f"no columns for table {table}")
        body = ",\n".join(f"  {self.column_sql(c)}" for c in columns)
        return f"{keyword} {self.qualify(table)} (\n{body}\n){self.table_options}"

    def create_table_sql(self, table, columns):
        """Return the statements that create table with columns (and their comments)."""
        comments = [s for c in columns for s in self.comment_sql(table, c)]
        return [self.table_sql("CREATE TABLE", table, columns), *comments]

    def add_column_sql(self, table, column):
        """Return the statements that add column at the end of table (with its comment)."""
        alter = f"ALTER TABLE {self.qualify(table)} {self.add_column_keyword} {self.column_sql(column)}"
        return [alter, *self.comment_sql(table, column)]

    def create_schema_sql(self, schema):
        """Return the statements that create schema if it does not exist."""
        return [f"CREATE SCHEMA IF NOT EXISTS {self.quote_identifier(schema)}"]

    # --- staging ---

    def staging_table(self, schema, module_name):
        """Return the quoted, qualified staging table name for a module.

        In a staging schema the table is named after the module; without one it sits beside
        the destination tables, so it gets a pipekit_stg_ prefix."""
        if schema:
            return self.qualify_parts(schema, module_name)
        return self.quote_identifier(f"pipekit_stg_{module_name}")

    def create_staging_sql(self, staging, columns):
        """Return the statements that (re)create the staging table with exactly columns, in order."""
        schema, _ = self.split_table(staging)
        return [
            *(self.create_schema_sql(schema) if schema else []),
            self.drop_staging_sql(staging),
            self.table_sql(self.create_staging_keyword, staging, columns),
        ]

    def key_staging_table(self, schema, module_name):
        """Return the quoted, qualified name of the table a delete_missing module's keys are loaded into."""
        return self.staging_table(schema, f"pipekit_keys_{module_name}")

    def drop_staging_sql(self, staging):
        """Return the statement that drops the staging table if it exists."""
        return f"DROP TABLE IF EXISTS {self.qualify(staging)}"

    # --- the commits table ---

    def commits_table(self, schema):
        """Return the quoted name of the destination's bookkeeping table, in schema (may be empty)."""
        return self.qualify_parts(schema, COMMITS_TABLE)

    def create_commits_sql(self, schema):
        """Return the statements that create the bookkeeping table (and its schema) if missing."""
        columns = [
            {
                "dest_name": "module",
                "dest_type": f"{self.types['varchar'].format(n=200)} NOT NULL PRIMARY KEY",
            },
            {"dest_name": "run_id", "dest_type": f"{self.types['bigint']} NOT NULL"},
            {"dest_name": "committed_at", "dest_type": f"{self.types['timestamp']} NOT NULL"},
        ]
        create = self.table_sql("CREATE TABLE IF NOT EXISTS", self.commits_table(schema), columns)
        return [*(self.create_schema_sql(schema) if schema else []), create]

    def record_commit_sql(self, schema, module, run_id):
        """Return the statements that record run_id as module's last committed merge: run in the
        merge's transaction, the row exists exactly when the merge committed."""
        table, key = self.commits_table(schema), self.quote_identifier("module")
        columns = ", ".join(map(self.quote_identifier, ["module", "run_id", "committed_at"]))
        values = f"{self.literal(module)}, {int(run_id)}, CURRENT_TIMESTAMP"
        return [
            f"DELETE FROM {table} WHERE {key} = {self.literal(module)}",
            f"INSERT INTO {table} ({columns}) VALUES ({values})",
        ]

    def commit_check_sql(self, schema, module, run_id):
        """Return a query counting 1 when run_id's merge of module committed, else 0."""
        return (
            f"SELECT count(*) FROM {self.commits_table(schema)} WHERE {self.quote_identifier('module')} = "
            f"{self.literal(module)} AND {self.quote_identifier('run_id')} = {int(run_id)}"
        )

    # --- merge ---

    def merge_sql(self, strategy, dest_table, staging, columns, merge_key):
        """Return the statements that merge staging into dest_table, run in one transaction.

        The INSERT from staging is always the last statement; it names the columns, so the
        destination may carry more columns (with defaults) than the module."""
        names = [c["dest_name"] for c in columns]
        insert = self.insert_select_sql(dest_table, staging, names)
        if strategy == "full":
            return [self.clear_table_sql(dest_table), insert]
        if strategy == "append":
            return [insert]
        if strategy == "incremental":
            if not merge_key:
                raise ValueError("an incremental merge needs a merge key")
            missing = [k for k in merge_key if k not in names]
            if missing:
                raise ValueError(f"merge key column not among the module's columns: {', '.join(missing)}")
            return [*self.delete_matching_sql(dest_table, staging, merge_key), insert]
        raise ValueError(f"unknown merge strategy {strategy!r}")

    def insert_select_sql(self, dest_table, staging, names):
        cols = ", ".join(self.quote_identifier(n) for n in names)
        return f"INSERT INTO {self.qualify(dest_table)} ({cols}) SELECT {cols} FROM {self.qualify(staging)}"

    def clear_table_sql(self, table):
        """Return the statement that empties table inside a transaction."""
        return f"DELETE FROM {self.qualify(table)}"

    def delete_matching_sql(self, dest_table, staging, merge_key):
        """Return the statements that delete destination rows whose merge key is in staging.

        A NULL key part matches a NULL, so re-running with the same rows never duplicates
        them. Plain equality first, which the database can hash-join or serve from the key's
        index; then the null-safe comparison (which no index serves) for the rows with a
        NULL key part only."""
        return [
            self.delete_equal_keys_sql(dest_table, staging, merge_key),
            self.delete_null_keys_sql(dest_table, staging, merge_key),
        ]

    def key_pairs(self, dest_table, merge_key):
        dest = self.qualify(dest_table)
        return [(f"{STAGED}.{q}", f"{dest}.{q}") for q in map(self.quote_identifier, merge_key)]

    def delete_equal_keys_sql(self, dest_table, staging, merge_key):
        equal = " AND ".join(f"{s} = {d}" for s, d in self.key_pairs(dest_table, merge_key))
        return (
            f"DELETE FROM {self.qualify(dest_table)} "
            f"WHERE EXISTS (SELECT 1 FROM {self.qualify(staging)} {STAGED} WHERE {equal})"
        )

    def delete_null_keys_sql(self, dest_table, staging, merge_key):
        """The first EXISTS is uncorrelated: evaluated once, it skips the scan of the
        destination when no staged key has a NULL part (the usual case). A one-column key needs
        no join at all: NULL matches NULL, and planning the join costs PostgreSQL a JIT
        compilation on a large destination even when it never runs."""
        stg, pairs = self.qualify(staging), self.key_pairs(dest_table, merge_key)
        staged_null = " OR ".join(f"{s} IS NULL" for s, _ in pairs)
        dest_null = " OR ".join(f"{d} IS NULL" for _, d in pairs)
        sql = (
            f"DELETE FROM {self.qualify(dest_table)} "
            f"WHERE EXISTS (SELECT 1 FROM {stg} {STAGED} WHERE {staged_null}) AND ({dest_null})"
        )
        if len(pairs) == 1:
            return sql
        null_safe = " AND ".join(self.null_safe_equal(s, d) for s, d in pairs)
        return f"{sql} AND EXISTS (SELECT 1 FROM {stg} {STAGED} WHERE {null_safe})"

    def null_safe_equal(self, a, b):
        return f"{a} IS NOT DISTINCT FROM {b}"

    # --- rows missing at the source (delete_missing) ---

    def delete_missing_sql(self, mode, dest_table, keys, merge_key, scope="", marked_at=""):
        """Return [(role, statement)]: what a delete_missing merge runs before the incremental merge.

        keys holds the destination keys in scope the source no longer has (jrunner writes them,
        see scope_keys_sql); the rows in scope with those keys are deleted (mode "hard", role
        "deleted") or get deleted_at = marked_at (mode "soft", role "marked"). scope: a condition
        on the destination's columns ('' for every row); rows outside it are never touched."""
        where = self._missing_scope(mode, scope)
        role = "deleted" if mode == "hard" else "marked"
        changes = self.missing_rows_sql(mode, dest_table, keys, merge_key, where, marked_at)
        return [(role, sql) for sql in changes]

    def scope_keys_sql(self, mode, dest_table, merge_key, scope=""):
        """The destination's query for the merge keys of its rows in scope (not yet marked, for
        soft), which jrunner compares with the source's key query."""
        names = ", ".join(self.quote_identifier(k) for k in merge_key)
        where = self._missing_scope(mode, scope)
        sql = f"SELECT {names} FROM {self.qualify(dest_table)}"
        return f"{sql} WHERE {' AND '.join(where)}" if where else sql

    def _missing_scope(self, mode, scope):
        where = [f"({scope})"] if scope.strip() else []
        if mode == "soft":
            where.append(f"{self.quote_identifier(DELETED_AT)} IS NULL")
        return where

    def change_missing_sql(self, mode, dest_table, marked_at):
        """The start of the statement that deletes (hard) or marks (soft) destination rows."""
        dest = self.qualify(dest_table)
        if mode == "hard":
            return f"DELETE FROM {dest}"
        return f"UPDATE {dest} SET {self.quote_identifier(DELETED_AT)} = {self.literal(marked_at)}"

    def missing_rows_sql(self, mode, dest_table, keys, merge_key, where, marked_at):
        """Plain equality for rows with a whole key, which the destination's key index serves for
        the few missing keys; the null-safe comparison (which nothing serves) only for rows with a
        NULL key part."""
        dest, stg = self.qualify(dest_table), self.qualify(keys)
        quoted = [self.quote_identifier(k) for k in merge_key]
        change = self.change_missing_sql(mode, dest_table, marked_at)
        whole = " AND ".join(f"{dest}.{q} IS NOT NULL" for q in quoted)
        partial = " OR ".join(f"{dest}.{q} IS NULL" for q in quoted)
        equal = " AND ".join(f"{KEYS}.{q} = {dest}.{q}" for q in quoted)
        null_safe = " AND ".join(self.null_safe_equal(f"{KEYS}.{q}", f"{dest}.{q}") for q in quoted)
        return [
            f"{change} WHERE {' AND '.join([*where, whole])} "
            f"AND EXISTS (SELECT 1 FROM {stg} {KEYS} WHERE {equal})",
            f"{change} WHERE {' AND '.join([*where, f'({partial})'])} "
            f"AND EXISTS (SELECT 1 FROM {stg} {KEYS} WHERE {null_safe})",
        ]
