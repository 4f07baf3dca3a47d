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


# What kind of value a column type holds, by its first word, whatever the database calls it
# ("character varying(20)", "varchar", "int4", "int(11) unsigned", "timestamp(6)", "datetime").
FAMILIES = {
    "bool": {"bool", "boolean", "bit"},
    "integer": {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "int2", "int4", "int8"}
    | {"serial", "smallserial", "bigserial"},
    "number": {"numeric", "decimal", "number", "real", "double", "float", "float4", "float8", "money"},
    "text": {"char", "character", "varchar", "nchar", "nvarchar", "text", "tinytext", "mediumtext"}
    | {"longtext", "clob", "nclob", "string", "json", "jsonb", "uuid", "xml", "enum", "bpchar", "name"},
    "binary": {"bytea", "blob", "tinyblob", "mediumblob", "longblob", "binary", "varbinary"},
    "date": {"date"},
    "time": {"time", "timetz"},
    "timestamp": {"timestamp", "timestamptz", "datetime", "datetime2", "datetimeoffset", "smalldatetime"},
}
_FAMILY_OF = {word: family for family, words in FAMILIES.items() for word in words}
# Which families of source values a destination column of each family stores without loss;
# text stores any value as its text.
TAKES = {
    "bool": {"bool"},
    "integer": {"integer", "bool"},
    "number": {"integer", "number", "bool"},
    "binary": {"binary"},
    "date": {"date"},
    "time": {"time"},
    "timestamp": {"timestamp", "date"},
}


def type_family(type_text):
    """Return the kind of value a column type holds (integer, number, text, timestamp, …), or ''
    when the type is not one we know."""
    word = re.match(r"\s*([A-Za-z_]+[0-9]?)", type_text or "")
    return _FAMILY_OF.get(word.group(1).lower(), "") if word else ""


def takes(dest_type, source_family):
    """Whether a destination column of dest_type stores values of source_family; an unknown type
    is given the benefit of the doubt."""
    family = type_family(dest_type)
    return not family or not source_family or family == "text" or source_family in TAKES[family]
