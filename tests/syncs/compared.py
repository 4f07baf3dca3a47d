"""The `compared` table the verify tests copy and compare: the same columns on every kind of
database, with the values verify must compare as typed values (every digit, every microsecond,
NULL apart from '', bytes) and a text column whose values sort differently under each
database's default collation."""

from decimal import Decimal

NAMES = ["id", "code", "amount", "at", "note", "data"]
DEST_TYPES = {
    "postgres": ["integer", "varchar(20)", "numeric(30,10)", "timestamp(6)", "text", "bytea"],
    # A case-insensitive collation, MariaDB's default kind: verify must not sort by it.
    "mariadb": [
        "int",
        "varchar(20) COLLATE utf8mb4_general_ci",
        "decimal(30,10)",
        "datetime(6)",
        "varchar(200)",
        "varbinary(20)",
    ],
    # SQLite keeps the numbers and timestamps as text, with every digit.
    "sqlite": ["INTEGER", "TEXT", "TEXT", "TEXT", "TEXT", "BLOB"],
}

ROWS = [
    (1, "a", "1.5", "2024-01-01 10:00:00.000001", "plain", b"\x00\x01"),
    (2, "B", "12345678901234567890.0123456789", "2024-02-29 23:59:59.999999", "two", b"\xff"),
    (3, "b", "0", "2024-01-01 00:00:00", "three", b""),
    (4, "A", "-0.0000000001", "2000-01-01 00:00:00.5", "", b"four"),
    (5, "é", "99.9999999999", "2024-05-05 05:05:05.050505", "five", b"5"),
    (6, "\U0001f600", "6", "2024-06-06 06:06:06.000006", "tab\tnew\nline back\\slash", b"6"),
    (7, "\ufb01", "7", "2024-07-07 07:07:07", "ligature key", b"\x07"),
    (8, "z ", None, None, None, None),
]


def columns(db):
    """Return the module columns (name, dest_type) of compared on db."""
    return list(zip(NAMES, DEST_TYPES[db.kind], strict=True))


def table(db):
    return "public.compared" if db.kind == "postgres" else "compared"


def create(db, rows=ROWS):
    """Create the table compared on db, holding rows."""
    db.execute(f"CREATE TABLE {table(db)} ({', '.join(f'{n} {t}' for n, t in columns(db))})")
    p = "?" if db.kind == "sqlite" else "%s"
    for row in rows:
        # The drivers bind a Decimal as a number with every digit.
        values = [Decimal(v) if i == 2 and v and db.kind != "sqlite" else v for i, v in enumerate(row)]
        db.execute(f"INSERT INTO {table(db)} VALUES ({', '.join([p] * len(NAMES))})", values)


def module(make_module, make_connection, source, dest, **fields):
    """Create compared holding ROWS on source and an empty one on dest; return a module copying
    one into the other, keyed by id unless told otherwise."""
    create(source)
    create(dest, rows=[])
    fields.setdefault("merge_key", ["id"])
    return make_module(
        make_connection(source),
        make_connection(dest),
        columns=columns(dest),
        source_query=f"SELECT {', '.join(NAMES)} FROM compared",
        dest_table=table(dest),
        **fields,
    )


# One statement per difference, per destination kind: what verify must find.
CHANGE_NOTE = "UPDATE {table} SET note = 'changed' WHERE id = 1"
DELETE_ROW = "DELETE FROM {table} WHERE id = 2"
EMPTY_TO_NULL = "UPDATE {table} SET note = NULL WHERE id = 4"
LAST_DIGIT = "UPDATE {table} SET amount = amount + 0.0000000001 WHERE id = 5"
ONE_MICROSECOND = {
    "postgres": "UPDATE {table} SET at = at + interval '1 microsecond' WHERE id = 6",
    "mariadb": "UPDATE {table} SET at = at + INTERVAL 1 MICROSECOND WHERE id = 6",
}
ONE_BYTE = {
    "postgres": "UPDATE {table} SET data = '\\x08'::bytea WHERE id = 7",
    "mariadb": "UPDATE {table} SET data = X'08' WHERE id = 7",
}
EXTRA_ROW = "INSERT INTO {table} (id, code, note) VALUES (99, 'extra', 'not at the source')"
