"""A module's column record: the one shape that the wizard, the importer, the introspection, the
demo and the dialects' DDL all read and write.

Ids are c1, c2, …: stable across renames and reorders, never reused for another column."""

import re
from typing import TypedDict


class Column(TypedDict):
    id: str
    source_name: str
    source_type: str
    dest_name: str
    dest_type: str
    description: str


KEYS = list(Column.__annotations__)


def column_id(number):
    return f"c{number}"


def next_column_id(columns):
    """Return the id after the highest cN id among columns."""
    numbers = [int(c["id"][1:]) for c in columns if re.fullmatch(r"c\d+", str(c.get("id", "")))]
    return column_id(max(numbers, default=0) + 1)


def make_column(id, *, dest_name, dest_type, source_name="", source_type="", description="") -> Column:
    """Return a module column; every key is a string."""
    return Column(
        id=id,
        source_name=source_name,
        source_type=source_type,
        dest_name=dest_name,
        dest_type=dest_type,
        description=description or "",
    )
