import pytest

from tests.syncs import items


@pytest.fixture
def items_between(request, make_connection, make_module):
    """Return a function making a module that syncs items between two database fixtures, named:
    the source holds ROWS + NEW, the destination ROWS. It returns (module, source db, dest db)."""

    def make(source_name, dest_name, strategy="full", query=items.SELECT, **fields):
        source, dest = request.getfixturevalue(source_name), request.getfixturevalue(dest_name)
        items.create(source)
        items.insert(source, items.ROWS + items.NEW)
        items.create(dest)
        items.insert(dest, items.ROWS)
        module = make_module(
            make_connection(source),
            make_connection(dest),
            columns=items.columns(dest),
            source_query=query,
            dest_table="public.items" if dest.kind == "postgres" else "items",
            strategy=strategy,
            merge_key=["id"],
            **fields,
        )
        return module, source, dest

    return make
