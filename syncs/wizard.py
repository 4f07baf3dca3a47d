"""Views that shape a module's columns: the new-module wizard and + add column.

The wizard keeps its draft (source, destination, query, columns) in the session between
steps; nothing is written to a database before Create."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from connections import introspection
from connections.columns import next_column_id
from connections.jrunner import JrunnerError
from connections.models import Connection
from connections.secrets import SecretError
from pipekit_site.auth import ADD, CHANGE, permission_required
from syncs import schema
from syncs.actions import create_module
from syncs.models import TOKEN_RE, Module
from syncs.wizard_forms import (
    AddColumnForm,
    ColumnFormSet,
    CreateForm,
    PickColumnFormSet,
    SqlForm,
    StartForm,
    WatermarkFormSet,
)

DRAFT = "wizard_draft"


def _connection(pk):
    return get_object_or_404(Connection.objects.select_related("driver"), pk=pk)


def _start_params(request):
    """Return the source and destination named by ?source=&dest=, or None when either is missing."""
    form = StartForm(request.GET)
    return (form.cleaned_data["source"], form.cleaned_data["dest"]) if form.is_valid() else None


def _back_to_start(request):
    """Redirect to the first step, which shows what is missing from ?source=&dest=."""
    return redirect(reverse("syncs:wizard_start") + "?" + request.GET.urlencode())


@permission_required(ADD)
def wizard_start(request):
    form = StartForm(request.GET or None)
    return render(request, "syncs/wizard_start.html", {"form": form})


@permission_required(ADD)
def wizard_tables(request):
    chosen = _start_params(request)
    if chosen is None:
        return _back_to_start(request)
    source, dest = chosen
    schema_name = request.GET.get("schema", "")
    # Part of a table name: a schema of hundreds of tables is a long list to scroll.
    table_filter = request.GET.get("filter", "").strip()
    context = {"source": source, "dest": dest, "schema": schema_name, "schemas": [], "tables": []}
    try:
        context["schemas"] = introspection.list_schemas(source)
        if not schema_name and len(context["schemas"]) == 1:
            schema_name = context["schema"] = context["schemas"][0]
        if schema_name:
            tables = introspection.list_tables(source, schema_name)
            context["table_count"] = len(tables)
            context["tables"] = [name for name in tables if table_filter.casefold() in name.casefold()]
    except JrunnerError as exc:
        context["error"] = str(exc)
    context["filter"] = table_filter
    context["params"] = urlencode({"source": source.pk, "dest": dest.pk})
    return render(request, "syncs/wizard_tables.html", context)


@permission_required(ADD)
def wizard_columns(request):
    chosen = _start_params(request)
    schema_name, table = request.GET.get("schema", ""), request.GET.get("table", "")
    if chosen is None or not table:
        return _back_to_start(request)
    source, dest = chosen
    context = {"source": source, "dest": dest, "schema": schema_name, "table": table}
    context["back"] = (
        reverse("syncs:wizard_tables")
        + "?"
        + urlencode({"source": source.pk, "dest": dest.pk, "schema": schema_name})
    )
    if request.method == "POST":
        formset = PickColumnFormSet(request.POST, prefix="columns")
        if formset.is_valid():
            columns = formset.picked()
            select_list = ", ".join(source.dialect.quote_identifier(c["source_name"]) for c in columns)
            from_table = source.dialect.qualify_parts(schema_name, table)
            request.session[DRAFT] = {
                "source": source.pk,
                "dest": dest.pk,
                "table": table,
                "source_query": f"SELECT {select_list} FROM {from_table}",
                "columns": columns,
            }
            return redirect("syncs:wizard_create")
    else:
        try:
            found = introspection.table_columns(source, schema_name, table)
        except JrunnerError as exc:
            return render(request, "syncs/wizard_columns.html", {**context, "error": str(exc)})
        formset = PickColumnFormSet(
            initial=introspection.propose_columns(found, dest.dialect), prefix="columns"
        )
    return render(request, "syncs/wizard_columns.html", {**context, "formset": formset})


@permission_required(ADD)
def wizard_sql(request):
    chosen = _start_params(request)
    if chosen is None:
        return _back_to_start(request)
    source, dest = chosen
    context = {"source": source, "dest": dest}
    form = SqlForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["source_query"]
        sample, used = schema.sample_sql(query, source.dialect)
        try:
            found = introspection.query_columns(source, sample)
        except JrunnerError as exc:
            context["error"] = str(exc)
        else:
            request.session[DRAFT] = {
                "source": source.pk,
                "dest": dest.pk,
                "table": "",
                "source_query": query,
                "columns": introspection.propose_columns(found, dest.dialect),
                "sample_values": used,
            }
            return redirect("syncs:wizard_create")
    return render(request, "syncs/wizard_sql.html", {**context, "form": form})


def _watermark_defaults(formset):
    return {
        f.cleaned_data["name"]: f.cleaned_data.get("default_value")
        for f in formset.forms
        if f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")
    }


def check_against_source(form, columns, watermarks, source):
    """Add form errors when the query's tokens lack watermarks, it does not run on the source or
    its columns don't fit the grid (the wizard's Create and the module editor's Save)."""
    query = form.cleaned_data["source_query"]
    defaults = _watermark_defaults(watermarks)
    missing = [t for t in dict.fromkeys(TOKEN_RE.findall(query)) if t not in defaults]
    if missing:
        names = ", ".join("{" + t + "}" for t in missing)
        form.add_error("source_query", f"The query uses {names} but no watermark has that name.")
        return
    try:
        returned = schema.module_query_columns(source, query, defaults)
    except (JrunnerError, SecretError) as exc:
        form.add_error("source_query", f"{source.name}: {exc}")
        return
    if len(returned) != len(columns):
        form.add_error(
            "source_query",
            f"The query returns {len(returned)} columns but the grid has {len(columns)}; "
            "rows load by position, so they must match.",
        )


def check_dest_table(request, form, module, context, columns_class):
    """Compare the grid with the module's destination table, as Create and the editor's Save do.

    Return (the table's columns, or None when it does not exist, and whether to stop): stop means
    the page must be shown again, the reason put in context (the differences, or the grid with
    the table's types when the operator asked to adopt them) or in form errors."""
    dest, table = module.dest, module.dest_table
    try:
        existing = schema.existing_table_columns(dest, table)
    except (JrunnerError, SecretError) as exc:
        form.add_error("dest_table", f"{dest.name}: {exc}")
        return None, True
    if existing is None:
        return None, False
    differences = schema.column_differences(module.columns, existing)
    if not differences:
        return existing, False
    can_adopt = all(d["table_type"] for d in differences)
    if can_adopt and "adopt" in request.POST:
        table_types = {c["dest_name"]: c["dest_type"] for c in existing}
        adopted = [{**c, "dest_type": table_types[c["dest_name"]]} for c in module.columns]
        context.update(columns=columns_class(initial=adopted, prefix="columns"), adopted=table)
        return existing, True
    names = {c["dest_name"] for c in module.columns}
    extra = [c for c in existing if c["dest_name"] not in names]
    context.update(differences=differences, can_adopt=can_adopt, extra=extra)
    return existing, True


@permission_required(ADD)
def wizard_create(request):
    draft = request.session.get(DRAFT)
    if not draft:
        messages.info(request, "Start a new module here.")
        return redirect("syncs:wizard_start")
    source, draft_dest = _connection(draft["source"]), _connection(draft["dest"])
    new_module = Module(source=source, columns=draft["columns"])
    context = {"source": source, "dest_kind": draft_dest.driver.get_kind_display(), "draft": draft}
    if request.method != "POST":
        table = draft_dest.dialect.identifier(draft["table"]) if draft["table"] else ""
        name = table.lower()[: Module._meta.get_field("name").max_length]
        form = CreateForm(
            instance=new_module,
            dest_kind=draft_dest.kind,
            initial={
                "name": name,
                "dest": draft_dest,
                "dest_table": table,
                "source_query": draft["source_query"],
            },
        )
        columns = ColumnFormSet(initial=draft["columns"], prefix="columns")
        watermarks = WatermarkFormSet(instance=new_module, prefix="watermarks")
        sharing = Module(dest=draft_dest, dest_table=table).sharing_dest_table() if table else []
        return render(
            request,
            "syncs/wizard_create.html",
            {**context, "form": form, "columns": columns, "watermarks": watermarks, "sharing": sharing},
        )

    columns = ColumnFormSet(request.POST, prefix="columns")
    if columns.is_valid():
        new_module.columns = columns.picked()
    form = CreateForm(request.POST, instance=new_module, dest_kind=draft_dest.kind)
    watermarks = WatermarkFormSet(request.POST, instance=new_module, prefix="watermarks")
    context.update(form=form, columns=columns, watermarks=watermarks)
    if not (columns.is_valid() and form.is_valid() and watermarks.is_valid()):
        return render(request, "syncs/wizard_create.html", context)
    check_against_source(form, new_module.columns, watermarks, source)
    if form.errors:
        return render(request, "syncs/wizard_create.html", context)
    existing, stop = check_dest_table(request, form, new_module, context, ColumnFormSet)
    if stop:
        return render(request, "syncs/wizard_create.html", context)
    context["sharing"] = new_module.sharing_dest_table()
    if context["sharing"] and "share_table" not in request.POST:
        return render(request, "syncs/wizard_create.html", context)
    dest, table = new_module.dest, new_module.dest_table
    try:
        module = create_module(
            form.save(commit=False), watermarks=watermarks.save(commit=False), create_table=existing is None
        )
    except JrunnerError as exc:
        form.add_error("dest_table", f"{dest.name} could not create {table}: {exc}")
        return render(request, "syncs/wizard_create.html", context)
    del request.session[DRAFT]
    if existing is None:
        messages.success(request, f"Created table {table} on {dest.name} and saved module {module.name}.")
    else:
        names = {c["dest_name"] for c in module.columns}
        extra = ", ".join(c["dest_name"] for c in existing if c["dest_name"] not in names)
        left = f" Its other columns ({extra}) are left to their defaults." if extra else ""
        messages.success(request, f"Saved module {module.name} into the existing {table}.{left}")
    return redirect("syncs:module_detail", module.pk)


@permission_required(CHANGE)
def add_column(request, module_id):
    module = get_object_or_404(Module.objects.select_related("source__driver", "dest__driver"), pk=module_id)
    form = AddColumnForm(request.POST or None, initial={"source_query": module.source_query})
    if request.method == "POST" and form.is_valid():
        try:
            column = schema.add_column(
                module,
                form.column(),
                source_query=form.cleaned_data["source_query"],
                source_name=form.cleaned_data["source_name"] or None,
            )
        except schema.SchemaError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Added column {column['dest_name']} ({column['id']}) to {module.dest_table}."
            )
            return redirect("syncs:module_detail", module.pk)
    context = {"module": module, "form": form, "next_id": next_column_id(module.columns)}
    return render(request, "syncs/add_column.html", context)
