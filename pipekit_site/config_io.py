"""Config as code: channels, connections, modules and groups as YAML, upserted by name.

The format is documented in README.md ("Config as code"). Keys are model field names,
references are by name, and a key whose value is the field's default is left out."""

from datetime import date

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from connections import columns as module_columns
from connections import jrunner
from connections.models import Connection, Driver
from connections.secrets import SecretError
from pipekit_site import yaml_out
from pipekit_site.yaml_out import Flow, FlowList
from scheduling.models import Group, GroupMember, Schedule, Step
from syncs import schema
from syncs.actions import create_module
from syncs.models import Channel, Hook, Module, Watermark

CONNECTION_KEYS = Connection.SETTINGS
MODULE_KEYS = [
    "name",
    "description",
    "source",
    "dest",
    "dest_table",
    "strategy",
    "merge_key",
    "enabled",
    "full_refresh_clear",
    "lock_timeout",
    "timeout",
    "retries",
    "retry_delay",
    "notify",
    "allow_empty",
    "min_rows",
    "max_shrink_pct",
    "delete_missing",
    "key_query",
    "delete_scope",
    "max_delete_pct",
    "source_query",
    "columns",
]
WATERMARK_KEYS = ["name", "resolver_sql", "connection", "default_value"]
HOOK_KEYS = ["name", "sql", "run_on", "run_order", "connection", "enabled"]
GROUP_KEYS = ["name", "description", "enabled", "stop_on_failure", "notify"]
CHANNEL_KEYS = ["name", "kind", "url", "to", "enabled", "description"]
SCHEDULE_KEYS = ["cron", "timezone", "enabled"]
# Written even when they hold the field's default: they say what the entry is.
REQUIRED = {"name", "driver", "jdbc_url", "source", "dest", "dest_table", "source_query", "columns"}
REQUIRED |= {"resolver_sql", "sql", "cron", "kind"}


class ConfigError(Exception):
    """A config file was refused; .problems lists every problem, each naming its entry and field."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


# Export


def _entries(queryset, keys, cls=dict, *, extra=()):
    """Yield (row, entry) for each row of queryset. The entry holds its keys, references by name,
    defaults left out; the row also holds the `extra` columns.

    Plain rows rather than model instances: building a year's thousands of instances cost more
    than everything else the export does."""
    fields = [queryset.model._meta.get_field(key) for key in keys]
    names = [f"{field.name}__name" if field.is_relation else field.name for field in fields]
    defaults = [None if field.is_relation else field.get_default() for field in fields]
    for row in queryset.values(*names, *extra):
        entry = cls()
        for key, name, default in zip(keys, names, defaults, strict=True):
            value = row[name]
            if key in REQUIRED or value != default:
                entry[key] = value
        yield row, entry


def _by(queryset, keys, parent, cls=Flow):
    """The entries of queryset grouped by their `parent` column."""
    grouped = {}
    for row, entry in _entries(queryset, keys, cls, extra=(parent,)):
        grouped.setdefault(row[parent], []).append(entry)
    return grouped


def _column_entry(position, column):
    entry = Flow()
    for key in module_columns.KEYS:
        value = column.get(key, "")
        if key in ("source_name", "dest_name", "dest_type") or value:
            entry[key] = value
    if entry.get("id") == module_columns.column_id(position):
        del entry["id"]
    return entry


def _notify_entry(entry):
    """Write a notify list as people write it: one channel a line, {channel: ops, on: [failure]}
    (the channel first: PostgreSQL's jsonb gives the keys back shortest first)."""
    if "notify" in entry:
        entry["notify"] = [
            Flow(channel=n["channel"], **({"on": FlowList(n["on"])} if "on" in n else {}))
            for n in entry["notify"]
        ]


def _channels():
    for _, entry in _entries(Channel.objects.all(), CHANNEL_KEYS, Flow):
        if "to" in entry:
            entry["to"] = FlowList(entry["to"])
        yield entry


def _modules():
    watermarks = _by(Watermark.objects.all(), WATERMARK_KEYS, "module_id")
    hooks = _by(Hook.objects.all(), HOOK_KEYS, "module_id")
    for row, entry in _entries(Module.objects.all(), MODULE_KEYS, extra=("id",)):
        if "merge_key" in entry:
            entry["merge_key"] = FlowList(entry["merge_key"])
        _notify_entry(entry)
        entry["columns"] = [_column_entry(i, c) for i, c in enumerate(entry["columns"], 1)]
        if row["id"] in watermarks:
            entry["watermarks"] = watermarks[row["id"]]
        if row["id"] in hooks:
            entry["hooks"] = hooks[row["id"]]
        yield entry


def _groups():
    members = {}
    for group_id, name, step in GroupMember.objects.values_list("group_id", "module__name", "step"):
        members.setdefault(group_id, FlowList()).append(Flow(verify=name) if step == Step.VERIFY else name)
    schedules = _by(Schedule.objects.all(), SCHEDULE_KEYS, "group_id")
    for row, entry in _entries(Group.objects.all(), GROUP_KEYS, extra=("id",)):
        _notify_entry(entry)
        entry["members"] = members.get(row["id"], FlowList())
        if row["id"] in schedules:
            entry["schedules"] = schedules[row["id"]]
        yield entry


def export_config():
    """Return every channel, connection, module and group as YAML text."""
    channels = list(_channels())
    data = {
        **({"channels": channels} if channels else {}),
        "connections": [entry for _, entry in _entries(Connection.objects.all(), CONNECTION_KEYS, Flow)],
        "modules": list(_modules()),
        "groups": list(_groups()),
    }
    return yaml_out.dump(data)


# Import


class _Importer:
    """One import: the problems found so far and the objects the file names."""

    def __init__(self):
        self.problems = []
        self.results = []
        self.saved = {Connection: {}, Module: {}}
        self.failed = {Connection: set(), Module: set()}

    def problem(self, label, message):
        self.problems.append(f"{label}: {message}")

    def entries(self, data, section, allowed):
        """Yield (label, entry) for each well-formed entry of a section, once per name."""
        value = data.get(section) or []
        if not isinstance(value, list):
            self.problem(section, "must be a list of entries")
            return
        seen = set()
        for position, entry in enumerate(value, 1):
            label = self.label(section, position, entry)
            if not self.mapping(label, entry, allowed):
                continue
            name = _name(entry)
            if name is not None and name in seen:
                self.problem(label, "appears twice in the file")
                continue
            seen.add(name)
            yield label, entry

    def label(self, section, position, entry):
        name = _name(entry) if isinstance(entry, dict) else None
        return f"{section}[{name or position}]"

    def mapping(self, label, entry, allowed):
        """Report an entry that is not a mapping, or has keys that are not in allowed."""
        if not isinstance(entry, dict):
            self.problem(label, "must be a mapping of keys to values")
            return False
        for key in entry:
            if key not in allowed:
                self.problem(f"{label}.{key}", f"unknown key (known: {', '.join(allowed)})")
        return True

    def reference(self, label, model, name):
        """Return the object named name, first from this file, then from the database.

        None when name is None, when there is none (a problem is reported) or when the file's
        entry of that name has problems of its own (already reported)."""
        if name is None:
            return None
        if not isinstance(name, str):
            self.problem(label, f"must be a name, not {name!r}")
            return None
        saved, failed = self.saved.get(model, {}), self.failed.get(model, set())
        if name in saved:
            return saved[name]
        if name in failed:
            return None
        found = model.objects.filter(name=name).first()
        if found is None:
            self.problem(label, f"no {model._meta.verbose_name} named {name!r}")
        return found

    def assign(self, label, obj, entry, keys):
        """Set the plain fields of obj from entry; a key left out means the field's default.

        Return the keys whose value has the wrong type (reported): full_clean must leave them
        out, and obj is not saved."""
        wrong = []
        for key in keys:
            field = obj._meta.get_field(key)
            if field.is_relation:
                continue
            problem = _type_problem(field, entry[key]) if key in entry else ""
            if problem:
                self.problem(f"{label}.{key}", problem)
                wrong.append(key)
            else:
                setattr(obj, key, entry[key] if key in entry else field.get_default())
        return wrong

    def save(self, label, obj, before=None, exclude=(), create=None):
        """full_clean obj and save it unless the file changed nothing in it.

        before is what upsert read of obj, None for a new object. Return "created", "updated"
        or "unchanged"; None when obj has problems (reported). exclude names references that
        were given but not found: they are reported already, and obj is checked without them
        and not saved. create, when given, saves a new obj instead of obj.save()."""
        ok = not exclude
        try:
            obj.full_clean(exclude=exclude)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                where = label if field == NON_FIELD_ERRORS else f"{label}.{field}"
                for message in messages:
                    self.problem(where, message)
            ok = False
        if not ok:
            return None
        if before is not None and {key: getattr(obj, key) for key in before} == before:
            # Not saved: a re-import of the same file bumps nothing.
            return "unchanged"
        if before is None and create:
            create(obj)
        else:
            obj.save()
        return "created" if before is None else "updated"

    def upsert(self, model, keys, name, **parent):
        """Return (the object named name or a new one, its values of keys as read or None)."""
        obj = model.objects.filter(name=name, **parent).first() if isinstance(name, str) else None
        return (obj, _values(obj, keys)) if obj else (model(name=name, **parent), None)

    def done(self, kind, obj, outcome):
        self.results.append(f"{kind} {obj.name} {outcome}")

    def create_tables(self):
        """Create the destination table of each imported module where it does not exist yet."""
        for module in self.saved[Module].values():
            dest, table = module.dest, module.dest_table
            where = f"modules[{module.name}].dest_table"
            try:
                if schema.existing_table_columns(dest, table) is not None:
                    continue
                if not module.columns:
                    self.problem(
                        where, f"{table} does not exist on {dest.name} and the module has no columns"
                    )
                    continue
                schema.create_table(dest, table, module.table_columns())
            except (jrunner.JrunnerError, SecretError) as exc:
                self.problem(where, f"could not create {table} on {dest.name}: {exc}")
                continue
            self.results.append(f"table {table} created on {dest.name}")

    def channels(self, data):
        for label, entry in self.entries(data, "channels", CHANNEL_KEYS):
            channel, before = self.upsert(Channel, CHANNEL_KEYS, entry.get("name"))
            outcome = self.save(label, channel, before, self.assign(label, channel, entry, CHANNEL_KEYS))
            if outcome:
                self.done("channel", channel, outcome)

    def connections(self, data):
        for label, entry in self.entries(data, "connections", CONNECTION_KEYS):
            conn, before = self.upsert(Connection, CONNECTION_KEYS, entry.get("name"))
            exclude = self.assign(label, conn, entry, CONNECTION_KEYS)
            conn.driver = self.reference(f"{label}.driver", Driver, entry.get("driver"))
            if entry.get("driver") is not None and conn.driver_id is None:
                exclude.append("driver")
            outcome = self.save(label, conn, before, exclude)
            if outcome:
                self.saved[Connection][conn.name] = conn
                self.done("connection", conn, outcome)
            else:
                self.failed[Connection].add(_name(entry))

    def modules(self, data):
        allowed = MODULE_KEYS + ["watermarks", "hooks"]
        for label, entry in self.entries(data, "modules", allowed):
            _read_notify(entry)
            module, before = self.upsert(Module, MODULE_KEYS, entry.get("name"))
            exclude = self.assign(label, module, entry, MODULE_KEYS)
            module.columns = self.columns(label, module.columns)
            for key in ("source", "dest"):
                conn = self.reference(f"{label}.{key}", Connection, entry.get(key))
                setattr(module, key, conn)
                if entry.get(key) is not None and conn is None:
                    exclude.append(key)
            outcome = self.save(label, module, before, exclude, create=create_module)
            if outcome:
                self.saved[Module][module.name] = module
            else:
                self.failed[Module].add(_name(entry))
            watermarks = self.children(label, module, entry, "watermarks", Watermark, WATERMARK_KEYS)
            hooks = self.children(label, module, entry, "hooks", Hook, HOOK_KEYS)
            if outcome == "unchanged" and (watermarks or hooks):
                # Its watermarks and hooks are part of the module, as in the admin.
                module.save(update_fields=["updated_at"])
                outcome = "updated"
            if outcome:
                self.done("module", module, outcome)

    def columns(self, label, columns):
        """Return the columns with every key filled in and an id given to each."""
        if not isinstance(columns, list) or not all(isinstance(c, dict) for c in columns):
            return columns  # Module.clean names the problem
        taken = {c["id"] for c in columns if c.get("id")}
        filled = []
        for position, column in enumerate(columns, 1):
            where = f"{label}.columns[{position}]"
            self.mapping(where, column, module_columns.KEYS)
            for key, value in column.items():
                if value is not None and not isinstance(value, str) and key in module_columns.KEYS:
                    self.problem(f"{where}.{key}", "must be a string")
            column = {key: "" if column.get(key) is None else str(column[key]) for key in module_columns.KEYS}
            if not column["id"]:
                number = position
                while module_columns.column_id(number) in taken:
                    number += 1
                column["id"] = module_columns.column_id(number)
                taken.add(column["id"])
            filled.append(column)
        return filled

    def children(self, label, module, entry, key, model, keys):
        """Make the module's watermarks (or hooks) exactly those of the entry, matched by name.

        Return whether that changed any of them."""
        module_ok = module.name in self.saved[Module]
        kept = []
        changed = False
        for child_label, child_entry in self.entries(entry, key, keys):
            child_label = f"{label}.{child_label}"
            name = child_entry.get("name")
            if module_ok:
                child, before = self.upsert(model, keys, name, module=module)
            else:
                child, before = model(name=name, module=module), None
            exclude = self.assign(child_label, child, child_entry, keys)
            conn_name = child_entry.get("connection")
            child.connection = self.reference(f"{child_label}.connection", Connection, conn_name)
            if not module_ok:
                exclude.append("module")
            if conn_name is not None and child.connection is None:
                exclude.append("connection")
            outcome = self.save(child_label, child, before, exclude)
            if outcome:
                kept.append(child.pk)
                changed |= outcome != "unchanged"
        if module_ok:
            deleted, _ = getattr(module, key).exclude(pk__in=kept).delete()
            changed |= deleted > 0
        return changed

    def groups(self, data):
        allowed = GROUP_KEYS + ["members", "schedules"]
        for label, entry in self.entries(data, "groups", allowed):
            _read_notify(entry)
            group, before = self.upsert(Group, GROUP_KEYS, entry.get("name"))
            outcome = self.save(label, group, before, self.assign(label, group, entry, GROUP_KEYS))
            members = self.members(label, entry.get("members") or [])
            members_changed = outcome is not None and self.set_members(group, members)
            schedules = entry.get("schedules") or []
            schedules_changed = self.schedules(label, group if outcome else None, schedules)
            if outcome == "unchanged" and (members_changed or schedules_changed):
                outcome = "updated"
            if outcome:
                self.done("group", group, outcome)

    def members(self, label, entries):
        """Return the members as (module, step) in run order (module None when not found): a
        module's name runs it, {verify: name} verifies it."""
        if not isinstance(entries, list):
            self.problem(f"{label}.members", "must be a list of module names")
            return []
        steps = []
        for entry in entries:
            if isinstance(entry, dict) and list(entry) == ["verify"]:
                steps.append((entry["verify"], Step.VERIFY))
            elif isinstance(entry, dict):
                self.problem(f"{label}.members", f"{entry!r}: a member is a module name or {{verify: name}}")
            else:
                steps.append((entry, Step.RUN))
        if len({(str(name), step) for name, step in steps}) != len(steps):
            self.problem(f"{label}.members", "names a module twice")
        return [(self.reference(f"{label}.members", Module, name), step) for name, step in steps]

    def set_members(self, group, members):
        """Make the group's members those (module, step) pairs, in that order; return whether that
        changed them."""
        if any(module is None for module, _ in members):
            return False
        wanted = {(module.pk, step, run_order) for run_order, (module, step) in enumerate(members, 1)}
        if set(group.members.values_list("module_id", "step", "run_order")) == wanted:
            return False
        kept = {(module.pk, step) for module, step in members}
        group.members.exclude(
            pk__in=[m.pk for m in group.members.all() if (m.module_id, m.step) in kept]
        ).delete()
        for run_order, (module, step) in enumerate(members, 1):
            GroupMember.objects.update_or_create(
                group=group, module=module, step=step, defaults={"run_order": run_order}
            )
        return True

    def schedules(self, label, group, entries):
        """Make the group's schedules those of the file; a kept schedule keeps its last firing.

        Return whether that changed any of them."""
        if not isinstance(entries, list):
            self.problem(f"{label}.schedules", "must be a list of entries")
            return False
        existing = list(group.schedules.all()) if group else []
        kept = []
        changed = False
        for position, entry in enumerate(entries, 1):
            where = f"{label}.schedules[{position}]"
            if not self.mapping(where, entry, SCHEDULE_KEYS):
                continue
            cron, zone = entry.get("cron"), entry.get("timezone", "")
            match = next((s for s in existing if (s.cron, s.timezone) == (cron, zone)), None)
            if match:
                existing.remove(match)
            schedule = match or Schedule(group=group)
            before = _values(match, SCHEDULE_KEYS) if match else None
            exclude = self.assign(where, schedule, entry, SCHEDULE_KEYS)
            outcome = self.save(where, schedule, before, exclude + ([] if group else ["group"]))
            if outcome:
                kept.append(schedule.pk)
                changed |= outcome != "unchanged"
        if group:
            deleted, _ = group.schedules.exclude(pk__in=kept).delete()
            changed |= deleted > 0
        return changed


def _read_notify(entry):
    """Give back the `on` of each notify entry: YAML 1.1 reads a bare `on` key as true."""
    notify = entry.get("notify")
    if isinstance(notify, list):
        entry["notify"] = [
            {("on" if key is True else key): value for key, value in n.items()} if isinstance(n, dict) else n
            for n in notify
        ]


def _name(entry):
    """Return the entry's name, or None when it has none that is a string."""
    name = entry.get("name")
    return name if isinstance(name, str) else None


# Text fields that hold a value, not a name or SQL: YAML reads 1970-01-01 as a date, 0 as a number.
VALUE_FIELDS = {"default_value"}


def _type_problem(field, value):
    """Return what is wrong with the type of a file's value for field, or '' (None is left to
    full_clean, which knows whether the field may be empty)."""
    if value is None:
        return ""
    if isinstance(field, models.BooleanField):
        return "" if isinstance(value, bool) else "must be true or false"
    if isinstance(field, models.IntegerField):
        return "" if isinstance(value, int) and not isinstance(value, bool) else "must be a whole number"
    if isinstance(field, (models.CharField, models.TextField)):
        scalar = isinstance(value, (int, float, date)) and not isinstance(value, bool)
        return "" if isinstance(value, str) or (scalar and field.name in VALUE_FIELDS) else "must be a string"
    # JSON fields: Module.clean checks the merge key and the columns.
    return ""


def _values(obj, keys):
    """Return obj's values of keys (references by id), to tell whether an import changed them."""
    attnames = [obj._meta.get_field(key).attname for key in keys]
    return {attname: getattr(obj, attname) for attname in attnames}


SECTIONS = ("channels", "connections", "modules", "groups")


def _load(text):
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError([f"not valid YAML: {exc}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(["the file must be a mapping with channels, connections, modules and groups"])
    unknown = [key for key in data if key not in SECTIONS]
    if unknown:
        raise ConfigError([f"{key}: unknown section (known: {', '.join(SECTIONS)})" for key in unknown])
    return data


def import_config(text, *, create_tables=False):
    """Upsert the channels, connections, modules and groups of a YAML document by name, all or nothing.

    With create_tables, create each imported module's missing destination table from its
    columns. Return one line per entry: "module orders created", "updated" when the file
    changed anything in it (a module's watermarks and hooks, a group's members and schedules
    count as part of it) or "unchanged", which is not saved. Raise ConfigError listing
    every problem of the file; then nothing is changed in the state database (tables created
    before a failed one stay: an import again skips them)."""
    data = _load(text)
    importer = _Importer()
    with transaction.atomic():
        importer.channels(data)
        importer.connections(data)
        importer.modules(data)
        importer.groups(data)
        if importer.problems:
            raise ConfigError(importer.problems)
        if create_tables:
            importer.create_tables()
        if importer.problems:
            kept = [f"{line}; it stays" for line in importer.results if line.startswith("table ")]
            raise ConfigError(importer.problems + kept)
    return importer.results
