"""The module editor: a module changed on its own page, checked as the wizard's Create checks a
new one, and saved only once the operator has seen what changes."""

import hashlib
import json
from datetime import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from connections import introspection
from connections.jrunner import JrunnerError
from connections.secrets import SecretError
from pipekit_site.auth import CHANGE, permission_required
from syncs import schema
from syncs.actions import EditRefused, update_module
from syncs.models import Module
from syncs.wizard import check_against_source, check_dest_table
from syncs.wizard_forms import EditColumnFormSet, EditForm, EditWatermarkFormSet, HookFormSet

# Module fields the review lists when they change, in the page's order.
REVIEWED_FIELDS = [
    "name",
    "description",
    "dest",
    "dest_table",
    "source_query",
    "strategy",
    "merge_key",
    "enabled",
    "timeout",
    "retries",
    "retry_delay",
]
# Buttons and tokens that are not part of the edit itself.
UNREVIEWED = {"csrfmiddlewaretoken", "confirm", "adopt", "reread"}
COLUMN_KEYS = ["source_name", "dest_name", "dest_type", "description"]


def _load(module_id):
    return get_object_or_404(Module.objects.select_related("source__driver", "dest__driver"), pk=module_id)


def digest(post):
    """A fingerprint of the submitted edit, so Save stores exactly what the review showed."""
    items = sorted((key, value) for key, values in post.lists() if key not in UNREVIEWED for value in values)
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def _shown(value):
    if isinstance(value, list):
        return ", ".join(value) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value in (None, "") else str(value)


def _column_text(column):
    text = f"{column['dest_name']} {column['dest_type']}"
    return f"{text} (from {column['source_name']})" if column["source_name"] else text


def _row_changes(label, formset, before):
    """The added, changed and removed rows of a saved-with-commit=False watermark or hook formset."""
    changes = []
    for row in formset.deleted_objects:
        changes.append({"what": f"{label} {row.name}", "old": "present", "new": "removed"})
    for row in formset.new_objects:
        changes.append({"what": f"{label} {row.name}", "old": "—", "new": "added"})
    for row, fields in formset.changed_objects:
        old = before[row.pk]
        for field in fields:
            name = row._meta.get_field(field).verbose_name
            changes.append(
                {
                    "what": f"{label} {old.name}: {name}",
                    "old": _shown(getattr(old, field)),
                    "new": _shown(getattr(row, field)),
                }
            )
    return changes


def changes(before, module, formsets, create_table):
    """Return what Save would change, as {what, old, new} rows; empty when nothing would."""
    rows = []
    for field in REVIEWED_FIELDS:
        old, new = getattr(before, field), getattr(module, field)
        if old != new:
            label = Module._meta.get_field(field).verbose_name.capitalize()
            rows.append(
                {"what": label, "old": _shown(old), "new": _shown(new), "sql": field == "source_query"}
            )
    old_columns = {c["id"]: c for c in before.columns}
    new_ids = [c["id"] for c in module.columns]
    for column in module.columns:
        old = old_columns.get(column["id"])
        if old is None:
            rows.append({"what": f"Column {column['id']}", "old": "—", "new": _column_text(column)})
        elif any(old.get(k, "") != column[k] for k in COLUMN_KEYS):
            rows.append(
                {"what": f"Column {column['id']}", "old": _column_text(old), "new": _column_text(column)}
            )
    for old in before.columns:
        if old["id"] not in new_ids:
            rows.append(
                {"what": f"Column {old['id']}", "old": _column_text(old), "new": "left out of the load"}
            )
    kept = [i for i in new_ids if i in old_columns]
    if kept != [c["id"] for c in before.columns if c["id"] in new_ids]:
        rows.append({"what": "Column order", "old": "", "new": ", ".join(new_ids)})
    for label, formset, old_rows in formsets:
        rows += _row_changes(label, formset, old_rows)
    if create_table:
        rows.append(
            {"what": "Destination table", "old": "does not exist", "new": f"created on {module.dest.name}"}
        )
    return rows


def _reread_columns(request, module, form, watermarks, columns, context):
    """Put the query's columns in the grid: a column of the same source name keeps its id, name,
    type and description; the others are proposed as the wizard proposes them."""
    if not form.is_valid():
        return
    grid = columns.picked() if columns.is_valid() else module.columns
    defaults = {}
    if watermarks.is_valid():
        defaults = {
            f.cleaned_data["name"]: f.cleaned_data.get("default_value")
            for f in watermarks.forms
            if f.cleaned_data.get("name")
        }
    try:
        found = schema.module_query_columns(module.source, form.cleaned_data["source_query"], defaults)
    except (JrunnerError, SecretError) as exc:
        form.add_error("source_query", f"{module.source.name}: {exc}")
        return
    by_source = {c["source_name"]: c for c in grid}
    proposed = introspection.propose_columns(found, module.dest.dialect)
    rows = [
        {**by_source[p["source_name"]], "source_type": p["source_type"]}
        if p["source_name"] in by_source
        else {**p, "id": ""}
        for p in proposed
    ]
    added = sum(1 for row in rows if not row["id"])
    context["columns"] = EditColumnFormSet(initial=rows, prefix="columns")
    messages.info(
        request,
        f"Read {len(rows)} columns from the query: {added} new. Check the grid, then review the changes.",
    )


@permission_required(CHANGE)
def module_edit(request, module_id):
    before = _load(module_id)
    module = _load(module_id)
    data = request.POST or None
    form = EditForm(data, instance=module, dest_kind=before.dest.kind)
    columns = EditColumnFormSet(data, initial=before.columns, prefix="columns")
    watermarks = EditWatermarkFormSet(data, instance=module, prefix="watermarks")
    hooks = HookFormSet(data, instance=module, prefix="hooks")
    context = {
        "module": before,
        "source": before.source,
        "dest_kind": before.dest.driver.get_kind_display(),
        "form": form,
        "columns": columns,
        "watermarks": watermarks,
        "hooks": hooks,
        "version": before.updated_at.isoformat(),
        "editing": True,
    }
    if request.method != "POST":
        context["sharing"] = before.sharing_dest_table()
        return render(request, "syncs/module_edit.html", context)
    if "reread" in request.POST:
        _reread_columns(request, module, form, watermarks, columns, context)
        return render(request, "syncs/module_edit.html", context)

    if columns.is_valid():
        module.columns = columns.picked()
    if not (columns.is_valid() and form.is_valid() and watermarks.is_valid() and hooks.is_valid()):
        return render(request, "syncs/module_edit.html", context)
    check_against_source(form, module.columns, watermarks, module.source)
    if form.errors:
        return render(request, "syncs/module_edit.html", context)
    existing, stop = check_dest_table(request, form, module, context, EditColumnFormSet)
    if stop:
        return render(request, "syncs/module_edit.html", context)

    saved = [("Watermark", watermarks, before.watermarks.in_bulk()), ("Hook", hooks, before.hooks.in_bulk())]
    for _, formset, _ in saved:
        formset.save(commit=False)
    context["create_table"] = existing is None
    context["changes"] = changes(before, module, saved, create_table=existing is None)
    context["sharing"] = module.sharing_dest_table()
    if not context["changes"]:
        messages.info(request, "Nothing changed.")
        return render(request, "syncs/module_edit.html", context)
    context["digest"] = digest(request.POST)
    if request.POST.get("confirm") != context["digest"]:
        return render(request, "syncs/module_edit.html", context)

    try:
        version = datetime.fromisoformat(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        update_module(module, version=version, formsets=[watermarks, hooks], create_table=existing is None)
    except EditRefused as exc:
        form.add_error(None, str(exc))
        return render(request, "syncs/module_edit.html", context)
    except (JrunnerError, SecretError) as exc:
        form.add_error("dest_table", f"{module.dest.name} could not create {module.dest_table}: {exc}")
        return render(request, "syncs/module_edit.html", context)
    created = f" Created table {module.dest_table} on {module.dest.name}." if existing is None else ""
    messages.success(request, f"Saved {module.name}: {len(context['changes'])} changes.{created}")
    return redirect("syncs:module_detail", module.pk)
