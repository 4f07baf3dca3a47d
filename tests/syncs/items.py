"""The `items` table the engine tests sync: the same columns on every kind of database.

Values are written with each database's own Python driver and read back as text, so a row
is compared exactly as a person would check it: every digit, every microsecond, NULL vs ''."""

from decimal import Decimal

NAMES = ["id", "name", "amount", "updated_at"]
DEST_TYPES = {
    "postgres": ["bigint", "text", "numeric(12,2)", "timestamp(6)"],
    "mariadb": ["bigint", "varchar(200)", "decimal(12,2)", "datetime(6)"],
    "sqlite": ["INTEGER", "TEXT", "TEXT", "TEXT"],
}


def columns(db):
    """Return the module columns (name, dest_type) for items on db."""
    return list(zip(NAMES, DEST_TYPES[db.kind], strict=True))


SELECT = "SELECT id, name, amount, updated_at FROM items"
SINCE = "SELECT id, name, amount, updated_at FROM items WHERE updated_at > '{since}'"
MAX_UPDATED = "SELECT max(updated_at) FROM items"
EPOCH = "1970-01-01 00:00:00"
# A PostgreSQL source query of 3 million items-shaped rows: a load long enough to stop midway.
BIG_QUERY = (
    "SELECT g AS id, md5(g::text) AS name, (g % 1000)::numeric(12,2) AS amount, "
    "timestamp '2024-01-01' + g * interval '1 microsecond' AS updated_at FROM generate_series(1, 3000000) g"
)

ROWS = [
    (1, "plain", "12.50", "2024-01-01 10:00:00.000001"),
    (2, None, None, "2024-01-01 10:00:00.120001"),
    (3, "", "0.00", "2024-01-01 10:00:00.123456"),
    (
        4,
        "tab\there, new\nline, back\\slash, 'quote', \"dq\", emoji \U0001f680",
        "-99999999.99",
        "2024-01-02 00:00:00.500000",
    ),
    (5, "trailing blanks   ", "1234567890.12", "2024-01-03 23:59:59.999999"),
]
CHANGED = [(2, "now named", "1.10", "2024-02-01 00:00:00.000002")]
NEW = [(6, "new row", "7.77", "2024-02-02 00:00:00.000003")]


def placeholder(db):
    return "?" if db.kind == "sqlite" else "%s"


def create(db, table="items", extra=""):
    """Create table with the items columns (and extra column definitions) on db."""
    types = DEST_TYPES[db.kind]
    key = "INTEGER PRIMARY KEY" if db.kind == "sqlite" else f"{types[0]} PRIMARY KEY"
    cols = [f"id {key}"] + [f"{name} {t}" for name, t in columns(db)[1:]]
    db.execute(f"CREATE TABLE {table} ({', '.join(cols + ([extra] if extra else []))})")


def module(make_module, make_connection, source, dest, **fields):
    """Create items holding ROWS on source and an empty items on dest; return a module copying one
    into the other (the make_module and make_connection fixtures are passed in)."""
    create(source)
    insert(source, ROWS)
    create(dest)
    fields.setdefault("source_query", SELECT)
    return make_module(
        make_connection(source),
        make_connection(dest),
        columns=columns(dest),
        dest_table="public.items" if dest.kind == "postgres" else "items",
        **fields,
    )


def insert(db, rows, table="items"):
    p = placeholder(db)
    for row in rows:
        db.execute(f"INSERT INTO {table} (id, name, amount, updated_at) VALUES ({p}, {p}, {p}, {p})", row)


def upsert(db, rows, table="items"):
    p = placeholder(db)
    for row in rows:
        db.execute(f"DELETE FROM {table} WHERE id = {p}", (row[0],))
    insert(db, rows, table)


def text(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:f}"
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="microseconds")
    return str(value)


def read(db, table="items"):
    """Return the items of table as (id, name, amount, updated_at) text tuples, by id."""
    rows = db.rows(f"SELECT id, name, amount, updated_at FROM {table} ORDER BY id")
    return [tuple(text(v) for v in row) for row in rows]


def expected(rows):
    """Return rows as read() returns them."""
    return [(str(id_), *rest) for id_, *rest in sorted(rows)]


def tables_named(db, fragment):
    """Return the tables on db's server whose name contains fragment (staging tables of a module)."""
    if db.kind == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?"
        return [name for (name,) in db.rows(sql, (f"%{fragment}%",))]
    sql = "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE %s"
    return [f"{s}.{t}" for s, t in db.rows(sql, (f"%{fragment}%",))]
