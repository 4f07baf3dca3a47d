"""A YAML writer for the plain shapes config export writes, in a tenth of PyYAML's time.

PyYAML's emitter is pure Python and its C emitter cannot indent lists under their key; a year
of modules took seconds. The export holds only mappings, lists, strings, integers, booleans and
None, so this writes them directly: block mappings and lists, `Flow`/`FlowList` on one line,
strings plain when nothing could misread them, as a literal block when they span lines, and
quoted otherwise (single quotes unless an escape is needed). yaml.safe_load reads back exactly
what was written (tests/pipekit_site/commands/test_export_yaml.py tries any text)."""

import functools
import json
import re

import yaml


class Flow(dict):
    """A mapping written on one line, {like: this}."""


class FlowList(list):
    """A list written on one line, [like, this]."""


# Conservative: what no YAML reader could take for anything but this string. ':' only where it
# cannot start a mapping value (never in a flow collection, never before a space or at the end).
_PLAIN_BLOCK = re.compile(r"[A-Za-z0-9_$/(](?:[!-\"$-9;-~]| (?!#)|(?<! )#|:(?! |$))*(?<! )")
_PLAIN_FLOW = re.compile(r"[A-Za-z0-9_$/][A-Za-z0-9_ .()/$*+=<>@-]*(?<! )")
_SINGLE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
# A plain scalar must also not read as a number, a date, a boolean or null.
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"
# Line breaks YAML 1.1 knows besides \n, and what YAML does not allow raw in a quoted scalar.
_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_BLOCK_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def dump(data):
    """Return `data` (a mapping) as a YAML document."""
    lines = []
    _scalar.cache_clear()
    _mapping(data, 0, lines)
    return "\n".join(lines) + "\n"


def _mapping(data, indent, lines, first_prefix=None):
    pad = " " * indent
    for i, (key, value) in enumerate(data.items()):
        head = (first_prefix if i == 0 and first_prefix is not None else pad) + _scalar(key, False) + ":"
        _value(head, value, indent, lines)


def _value(head, value, indent, lines):
    """Write `value` after `head` (a key and its colon, or a list item's dash)."""
    if isinstance(value, Flow | FlowList) or (isinstance(value, dict | list) and not value):
        lines.append(f"{head} {_flow(value)}")
    elif isinstance(value, dict):
        lines.append(head)
        _mapping(value, indent + 2, lines)
    elif isinstance(value, list):
        lines.append(head)
        _sequence(value, indent + 2, lines)
    elif isinstance(value, str) and "\n" in value and _fits_block(value):
        chomp = "" if value.endswith("\n") else "-"
        lines.append(f"{head} |{chomp}")
        pad = " " * (indent + 2)
        lines.extend(pad + line if line else "" for line in value.removesuffix("\n").split("\n"))
    else:
        lines.append(f"{head} {_scalar(value, False)}")


def _sequence(items, indent, lines):
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and item and not isinstance(item, Flow):
            _mapping(item, indent + 2, lines, first_prefix=pad + "- ")
        else:
            _value(pad + "-", item, indent, lines)


def _flow(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k, True)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value, True)


# Names, types and references repeat across a thousand modules; remembered for one document.
@functools.lru_cache(maxsize=65536, typed=True)
def _scalar(value, flow):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"cannot write {type(value).__name__} as YAML")
    plain = _PLAIN_FLOW if flow else _PLAIN_BLOCK
    if plain.fullmatch(value) and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR:
        return value
    if _SINGLE.fullmatch(value):
        return "'" + value.replace("'", "''") + "'"
    quoted = json.dumps(value, ensure_ascii=False)
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _fits_block(value):
    """Whether a literal block (`|` or `|-`) reads back as exactly this text."""
    lines = value.removesuffix("\n").split("\n")
    return (
        any(lines)
        and not value.endswith("\n\n")
        and not _BLOCK_BAD.search(value)
        # The first line with text sets the block's indentation: a space there would be read as it.
        and not next(line for line in lines if line).startswith((" ", "\t"))
        and all(line == line.rstrip(" \t") for line in lines)
    )
