"""A module's column record: the one shape that the wizard, the importer, the introspection, the
demo and the dialects' DDL all read and write.

Ids are c1, c2, …: stable across renames and reorders, never reused for another column."""

import re
from typing import TypedDict

from django.core.exceptions import ValidationError


class Column(TypedDict):
    id: str
    source_name: str
    source_type: str
    dest_name: str
    dest_type: str
    description: str


KEYS = list(Column.__annotations__)

# A destination type goes into CREATE TABLE as written, so it must be a type and nothing more:
# words, at most one size ((n), (n,m), (max), DB2's (2G)) with words after it (timestamp(6)
# with time zone, int(11) unsigned), and PostgreSQL's array []. No quote, semicolon, comment,
# comma or other parenthesis can get in.
_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
_SIZE = r"\( *(?:[0-9]+[KMG]?|max) *(?:, *-?[0-9]+ *)?\)"
TYPE_RE = re.compile(rf"{_WORD}(?: +{_WORD})*(?: *{_SIZE}(?: +{_WORD})*)?(?:\[[0-9]*\])*", re.IGNORECASE)
TYPE_HELP = "a type name with an optional size, e.g. bigint, varchar(200), numeric(12,2), timestamptz"


def type_problem(dest_type):
    """Return why dest_type is not a column type, or '' when it is one."""
    if isinstance(dest_type, str) and TYPE_RE.fullmatch(dest_type):
        return ""
    return f"{dest_type!r} is not a column type; write {TYPE_HELP}."


def validate_type(dest_type):
    problem = type_problem(dest_type)
    if problem:
        raise ValidationError(problem)


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
