"""The module column record: one constructor, one rule for ids; the kind of value a type holds."""

import pytest

from connections.columns import KEYS, make_column, next_column_id, takes, type_family


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


@pytest.mark.parametrize(
    ("type_text", "family"),
    [
        ("character varying(20)", "text"),
        ("varchar", "text"),
        ("int4", "integer"),
        ("int(11) unsigned", "integer"),
        ("BIGINT", "integer"),
        ("numeric(12,2)", "number"),
        ("double precision", "number"),
        ("timestamp(6) with time zone", "timestamp"),
        ("DATETIME(6)", "timestamp"),
        ("date", "date"),
        ("bytea", "binary"),
        ("geometry", ""),
        ("", ""),
    ],
)
def test_a_type_is_known_by_the_kind_of_value_it_holds_whatever_its_spelling(type_text, family):
    assert type_family(type_text) == family


def test_a_destination_takes_what_it_stores_without_loss():
    assert takes("numeric(12,2)", "integer")
    assert takes("text", "timestamp")
    assert takes("timestamp", "date")
    assert takes("geometry", "text")  # unknown: the benefit of the doubt
    assert not takes("numeric(12,2)", "text")
    assert not takes("bigint", "number")
    assert not takes("date", "timestamp")
