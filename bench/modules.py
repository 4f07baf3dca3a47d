"""The benchmark scripts' Pipekit modules, made by their `manage.py shell -c` snippets: the
connections to the two databases a script fills (bench/common.sh), and modules over the items
table's columns."""

from connections.models import Connection, Driver
from syncs.models import Module, Watermark

# The items table (bench/common.sh `columns`), as a module lists its columns.
COLUMNS = [
    {"id": f"c{i}", "source_name": n, "source_type": t, "dest_name": n, "dest_type": t, "description": ""}
    for i, (n, t) in enumerate(
        [("id", "bigint"), ("name", "text"), ("amount", "numeric(12,2)"), ("updated_at", "timestamp(6)")], 1
    )
]


def connections(host, port, user, src, dst):
    """Connections `src` and `dst` to the PostgreSQL databases of those names."""
    pg = Driver.objects.get(name="postgres")
    url = f"jdbc:postgresql://{host}:{port}/"
    return [
        Connection.objects.create(name=name, driver=pg, jdbc_url=url + database, username=user)
        for name, database in (("src", src), ("dst", dst))
    ]


def module(name, src, dst, dest_table, strategy="full", source="items", where="", **fields):
    """A module loading the rows of the source table `source` (those `where` selects, default
    every one) into dest_table."""
    query = f"SELECT id, name, amount, updated_at FROM {source}" + (f" WHERE {where}" if where else "")
    return Module.objects.create(
        name=name,
        source=src,
        dest=dst,
        dest_table=f"public.{dest_table}",
        strategy=strategy,
        columns=COLUMNS,
        source_query=query,
        **fields,
    )


def incremental(name, src, dst, dest_table, source="items", **fields):
    """An incremental module by id of the rows of `source` updated since the newest in dest_table
    (its watermark `since`)."""
    where = "updated_at > '{since}'"
    made = module(name, src, dst, dest_table, "incremental", source, where, merge_key=["id"], **fields)
    Watermark.objects.create(
        module=made,
        name="since",
        resolver_sql=f"SELECT max(updated_at) FROM {dest_table}",
        default_value="1970-01-01",
    )
    return made
