"""Generated text values survive jrunner migrate into PostgreSQL, from PostgreSQL and from MariaDB,
with and without -b. Each example moves a whole list of values in one migrate call."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connections import jrunner

# Neither database stores NUL in text, and lone surrogates are not UTF-8.
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60)
SPECIAL = st.sampled_from(["", "\\N", "\\", "\t", "\n", "\r", "\r\n", '"', "'", ",", "😀", " "])
VALUE = st.one_of(st.none(), TEXT, SPECIAL, st.lists(SPECIAL).map("".join))
VALUES = st.lists(VALUE, min_size=1, max_size=40)
SOURCE_DDL = {
    "pg_db": "CREATE TABLE s (id int, v text)",
    "maria_db": "CREATE TABLE s (id int, v longtext)",
}


@pytest.mark.parametrize("bulk", [True, False])
@pytest.mark.parametrize("source_fixture", ["pg_db", "maria_db"])
def test_generated_text_arrives_unchanged_in_postgres(request, make_connection, pg_db2, source_fixture, bulk):
    source = request.getfixturevalue(source_fixture)
    source.execute(SOURCE_DDL[source_fixture])
    pg_db2.execute("CREATE TABLE t (id int, v text)")
    source_conn, dest_conn = make_connection(source), make_connection(pg_db2)

    # The databases are the test's fixtures; each example starts by emptying the source table,
    # and jrunner's -c empties the destination.
    @settings(max_examples=25, deadline=None)
    @given(values=VALUES)
    def check(values):
        source.execute("DELETE FROM s")
        rows = ", ".join(["(%s, %s)"] * len(values))
        source.execute(f"INSERT INTO s VALUES {rows}", [x for row in enumerate(values) for x in row])

        jrunner.migrate(source_conn, "SELECT id, v FROM s", dest_conn, "t", clear=True, bulk=bulk)

        assert pg_db2.rows("SELECT v FROM t ORDER BY id") == [(v,) for v in values]

    check()
