"""The SQL plan of a run: the staging DDL, the merge statements and the script recorded on the run."""

import re
from dataclasses import dataclass, field

from syncs.models import TOKEN_RE


@dataclass
class Plan:
    table: str
    staging: str | None
    create: list
    merge: list
    drop: str | None
    script: str
    # The bookkeeping table: created before the load (-pre) and written in the merge's
    # transaction (-post), so syncs.commits can tell after an abnormal end whether it committed.
    bookkeeping: list = field(default_factory=list)
    record: list = field(default_factory=list)
    columns: str = ""
    # What each merge statement's count means: "cleared", "deleted", "marked", "replaced" or
    # "inserted" (see count).
    roles: list = field(default_factory=list)
    # delete_missing: the key staging table (the destination's keys in scope that the source
    # lacks), the destination's query for its keys in scope, the table's DDL (committed before the
    # load) and its DROP.
    keys: str | None = None
    scope_keys: str | None = None
    keys_create: list = field(default_factory=list)
    keys_drop: str | None = None
    keys_dropped: bool = False
    drop_in_merge: bool = False
    dropped: bool = False
    drop_error: str = ""
    started: bool = False
    rolled_back: bool = False

    @property
    def direct(self):
        return self.staging is None

    def count(self, post_counts, role):
        """The sum of the merge statements' counts of one role (None when the plan has none)."""
        counts = [n for r, n in zip(self.roles, post_counts, strict=False) if r == role]
        return sum(counts) if counts else None


def build_plan(module, run_id, direct=False, marked_at=""):
    """Return the statements that load and merge module in run run_id, and the script recorded on
    the run.

    direct: load a full refresh straight into the destination, cleared in the load's transaction.
    marked_at: the deleted_at a soft delete_missing sets (the run's start)."""
    dialect = module.dest.dialect
    table = dialect.qualify(module.dest_table)
    schema = module.dest.effective_staging_schema()
    books = {
        "bookkeeping": dialect.create_commits_sql(schema),
        "record": dialect.record_commit_sql(schema, module.name, run_id),
    }
    books_script = (
        f"-- and record run {run_id} in {dialect.commits_table(schema)}, in the same transaction:\n"
        + "".join(f"{s};\n" for s in books["record"])
    )
    if direct:
        # The clear and the load commit together, so the dest is never half-loaded; under DELETE
        # (the default) readers see the old rows until then, under TRUNCATE they wait.
        columns = ", ".join(dialect.quote_identifier(c["dest_name"]) for c in module.columns)
        script = (
            f"-- full refresh straight into {table}, no staging:\n"
            f"-- jrunner migrate clears {table} ({module.full_refresh_clear.upper()}) and loads the "
            f"source rows into ({columns})\n"
            "-- in one transaction; a failure or cancel rolls both back. jrunner counts the table\n"
            "-- (it must hold every row read) and the guards decide before the commit.\n" + books_script
        )
        return Plan(table, None, [], [], None, script, columns=columns, **books)
    staging = dialect.staging_table(schema, module.name)
    create = list(dialect.create_staging_sql(staging, module.columns))
    merge = list(
        dialect.merge_sql(module.strategy, module.dest_table, staging, module.columns, module.merge_key)
    )
    # Every merge is deletes (none for append), then the insert from staging.
    roles = [{"full": "cleared"}.get(module.strategy, "replaced")] * (len(merge) - 1) + ["inserted"]
    keys = {}
    keys_script = ""
    if module.delete_missing != "none":
        key_table = dialect.key_staging_table(schema, module.name)
        by_name = {c["dest_name"]: c for c in module.columns}
        missing = dialect.delete_missing_sql(
            module.delete_missing,
            module.dest_table,
            key_table,
            module.merge_key,
            module.delete_scope,
            marked_at,
        )
        merge = [sql for _, sql in missing] + merge
        roles = [role for role, _ in missing] + roles
        keys = {
            "keys": key_table,
            "scope_keys": dialect.scope_keys_sql(
                module.delete_missing, module.dest_table, module.merge_key, module.delete_scope
            ),
            "keys_create": dialect.create_staging_sql(key_table, [by_name[k] for k in module.merge_key]),
            "keys_drop": dialect.drop_staging_sql(key_table),
        }
        keys_script = (
            f"-- 0. create the key staging table; before the rows, the same jrunner reads the key "
            f"query's keys and the destination's keys in scope\n-- ({keys['scope_keys']}), both in "
            f"key order, and writes the destination's keys the source lacks into {key_table}, in the "
            "load's transaction\n" + "".join(f"{s};\n" for s in keys["keys_create"])
        )
    drop = dialect.drop_staging_sql(staging)
    drops = [drop, keys["keys_drop"]] if keys else [drop]
    # Where DDL is transactional, dropping staging in the merge's transaction saves a jrunner
    # start; when the merge fails, staging is dropped after.
    drop_in_merge = dialect.transactional_ddl
    script = (
        "-- one jrunner migrate does 1 to 3 (4 too where it says so)\n"
        + keys_script
        + "-- 1. create the staging table, committed before the load\n"
        + "".join(f"{s};\n" for s in create)
        + f"-- 2. load the source rows into {staging}; count it: it must hold every row read\n"
        + "-- 3. merge, in the load's transaction; the guards decide whether it commits\n"
        + "".join(f"{s};\n" for s in merge)
        + books_script
        + (
            "-- 4. drop the staging tables, in the same transaction\n"
            if drop_in_merge
            else "-- 4. drop the staging tables, after the merge committed\n"
        )
        + "".join(f"{s};\n" for s in drops)
    )
    # The staging DDL may have created the schema already.
    books["bookkeeping"] = [s for s in books["bookkeeping"] if s not in create]
    return Plan(
        table, staging, create, merge, drop, script, roles=roles, drop_in_merge=drop_in_merge, **books, **keys
    )


def render(sql, values, dialect):
    """Return sql with each {name} of a defined watermark replaced by its value, as
    substitute_tokens writes it; other text stays as it is."""
    return substitute_tokens(sql, dialect, lambda name, quoted: values.get(name))


# A number written bare stays a number; anything else becomes a string literal.
NUMBER_RE = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", re.ASCII)


def substitute_tokens(sql, dialect, value_of):
    """Return sql with its {tokens} replaced so that no value can change the statement.

    value_of(name, quoted) gives a token's value, or None to leave the token as written. A
    token inside quotes ('{since}', '%{name}%', or a quoted name) gets the value escaped the
    dialect's way, so it stays inside them; a bare token gets a literal: the number itself, or
    the value as a quoted string. A token in a comment stays as written: it changes nothing."""

    def replace(match):
        if match["comment"]:
            return match[0]
        if match["token"]:
            value = value_of(match["token"], False)
            if value is None:
                return match[0]
            value = str(value)
            if NUMBER_RE.fullmatch(value):
                # In parentheses, a negative number after a minus cannot start a -- comment.
                return f"({value})" if value.startswith("-") else value
            return dialect.literal(value)
        quoted, quote = match[0], match[0][0]

        def inside(token):
            value = value_of(token[1], True)
            return token[0] if value is None else dialect.quoted_text(str(value), quote)

        return quote + TOKEN_RE.sub(inside, quoted[1:])

    return _pieces_re(dialect).sub(replace, sql)


def _pieces_re(dialect):
    """The pieces of SQL a token may sit in: quoted text (a string, or a name quoted with " or `),
    a comment, or plain SQL (the token itself)."""
    quoted = []
    for quote in ("'", '"', "`"):
        if dialect.backslash_escapes and quote != "`":
            quoted.append(rf"{quote}(?:[^{quote}\\]|{quote}{quote}|\\.)*{quote}?")
        else:
            quoted.append(rf"{quote}(?:[^{quote}]|{quote}{quote})*{quote}?")
    return re.compile(
        rf"(?P<quoted>{'|'.join(quoted)})"
        r"|(?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))"
        r"|\{(?P<token>[A-Za-z_][A-Za-z0-9_]*)\}",
        re.DOTALL,
    )
