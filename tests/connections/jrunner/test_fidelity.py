"""Every value survives jrunner migrate, for every ordered pair of PostgreSQL, MariaDB and SQLite,
with and without -b where the destination has a bulk path.

What a database cannot hold is left out for that database only: SQLite has no exact decimal
type, so its numeric(38,10) column is TEXT (the value still arrives digit for digit), and it
keeps dates and times as ISO text. MariaDB holds every value here, years 1 and 9999 included.
"""

import datetime as dt
from decimal import Decimal

import pytest

from connections import jrunner

TEXTS = [
    "",
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "single ' and double \" quotes",
    "comma, here",
    "\\N",
    "\\",
    "4-byte UTF-8: 😀 𝄞 and é ß 漢",
    "mixed\t\\N\n\r\"',\\t",
    " trailing blanks  ",
    "x" * 700_000 + "\t\n\\😀" + "y" * 700_000,
]
NUMERICS = [
    Decimal("1234567890123456789012345678.0123456789"),
    Decimal("-9999999999999999999999999999.9999999999"),
    Decimal("0.0000000001"),
    Decimal("0E-10"),
]
BIGINTS = [-9223372036854775808, 9223372036854775807, 0, -1]
DOUBLES = [0.1 + 0.2, 1.7976931348623157e308, 5e-324, 123456789.12345678, -2.5e-10, 1e22]
DATES = [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2024, 2, 29)]
TIMES = [dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(12, 34, 56, 1)]
TIMESTAMPS = [
    dt.datetime(1, 1, 1, 0, 0, 0, 1),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
    dt.datetime(2024, 2, 29, 12, 34, 56, 123456),
]
BOOLEANS = [True, False]
BINARIES = [b"", bytes(range(256)), b"\x00\t\n\r\\N\\", "😀".encode()]

COLUMNS = ["t", "n", "big", "d", "dt", "tm", "ts", "b", "bin"]
VALUES = [TEXTS, NUMERICS, BIGINTS, DOUBLES, DATES, TIMES, TIMESTAMPS, BOOLEANS, BINARIES]
# Each value of each column appears in some row; the last row is all NULL.
ROWS = [[i, *(values[i % len(values)] for values in VALUES)] for i in range(max(len(v) for v in VALUES))] + [
    [len(TEXTS), *([None] * len(VALUES))]
]

DDL = {
    "postgres": "CREATE TABLE fidelity (id int, t text, n numeric(38,10), big bigint, d double precision,"
    " dt date, tm time(6), ts timestamp(6), b boolean, bin bytea)",
    "mariadb": "CREATE TABLE fidelity (id int, t longtext, n decimal(38,10), big bigint, d double,"
    " dt date, tm time(6), ts datetime(6), b boolean, bin longblob)",
    "sqlite": "CREATE TABLE fidelity (id integer, t text, n text, big integer, d real,"
    " dt text, tm text, ts text, b boolean, bin blob)",
}
PAIRS = [
    # The fixtures come from request.getfixturevalue, which the `servers` marking cannot see.
    pytest.param(source, dest, bulk, marks=[] if source == dest == "sqlite" else [pytest.mark.servers])
    for source in ("postgres", "mariadb", "sqlite")
    for dest in ("postgres", "mariadb", "sqlite")
    for bulk in ((False, True) if dest != "sqlite" else (False,))
]
FIXTURE = {"postgres": "pg_db", "mariadb": "maria_db", "sqlite": "sqlite_db"}


def insert(database, rows):
    marker = "?" if database.kind == "sqlite" else "%s"
    sql = f"INSERT INTO fidelity (id, {', '.join(COLUMNS)}) VALUES ({', '.join([marker] * 10)})"
    for row in rows:
        if database.kind == "sqlite":
            row = [
                v if isinstance(v, int | float | str | bytes | type(None)) else sqlite_text(v) for v in row
            ]
        database.execute(sql, row)


def sqlite_text(value):
    """How a SQLite application stores these: ISO text, and the decimal's exact digits."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def normalized(row):
    """A row read back from any of the databases, in Python's types."""
    i, t, n, big, d, day, tm, ts, b, binary = row
    if isinstance(tm, dt.timedelta):  # PyMySQL reads TIME as a duration
        tm = (dt.datetime.min + tm).time()
    return [
        i,
        t,
        None if n is None else Decimal(n),
        big,
        d,
        dt.date.fromisoformat(day) if isinstance(day, str) else day,
        dt.time.fromisoformat(tm) if isinstance(tm, str) else tm,
        dt.datetime.fromisoformat(ts) if isinstance(ts, str) else ts,
        None if b is None else bool(b),
        None if binary is None else bytes(binary),
    ]


@pytest.mark.parametrize(("source_kind", "dest_kind", "bulk"), PAIRS)
def test_every_value_arrives_unchanged(request, make_connection, source_kind, dest_kind, bulk):
    source = request.getfixturevalue(FIXTURE[source_kind])
    dest = request.getfixturevalue(FIXTURE[dest_kind] + "2")
    source.execute(DDL[source_kind])
    dest.execute(DDL[dest_kind])
    insert(source, ROWS)

    result = jrunner.migrate(
        make_connection(source),
        f"SELECT id, {', '.join(COLUMNS)} FROM fidelity",
        make_connection(dest),
        "fidelity",
        bulk=bulk,
    )

    assert result.rows == len(ROWS)
    expected_path = {"postgres": "copy", "mariadb": "load-data"}[dest_kind] if bulk else "batch-insert"
    assert result.load_path == expected_path
    arrived = [normalized(r) for r in dest.rows(f"SELECT id, {', '.join(COLUMNS)} FROM fidelity ORDER BY id")]
    for got, want in zip(arrived, ROWS, strict=True):
        for name, g, w in zip(["id", *COLUMNS], got, want, strict=True):
            assert g == w, f"row {want[0]} column {name}: {g!r:.200} != {w!r:.200}"
            assert type(g) is type(w), f"row {want[0]} column {name}: {type(g)} != {type(w)}"
