"""The module column record: one constructor, one rule for ids."""

from connections.columns import KEYS, make_column, next_column_id


def test_a_column_has_every_key_as_a_string():
    column = make_column("c1", dest_name="id", dest_type="bigint", description=None)
    assert list(column) == KEYS
    assert column == {
        "id": "c1",
        "source_name": "",
        "source_type": "",
        "dest_name": "id",
        "dest_type": "bigint",
        "description": "",
    }


def test_the_next_column_id_follows_the_highest():
    columns = [
        make_column("c1", dest_name="a", dest_type="int"),
        make_column("c7", dest_name="b", dest_type="int"),
    ]
    assert next_column_id(columns) == "c8"
    assert next_column_id([{"id": "odd"}]) == "c1"
    assert next_column_id([]) == "c1"
