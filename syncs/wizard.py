"""Views that shape a module's columns: the new-module wizard and + add column.

The wizard keeps its draft (source, destination, query, columns) in the session between
steps; nothing is written to a database before Create."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.forms import formset_factory, inlineformset_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from connections import introspection
from connections.dialects.base import Dialect
from connections.jrunner import JrunnerError
from connections.models import Connection
from pipekit_site.auth import staff_required
from syncs import schema
from syncs.models import TOKEN_RE, Module, Watermark, identifier_validator

DRAFT = "wizard_draft"


class StartForm(forms.Form):
    source = forms.ModelChoiceField(
        Connection.objects.select_related("driver"), help_text="Rows come from here."
    )
    dest = forms.ModelChoiceField(
        Connection.objects.select_related("driver"),
        label="Destination",
        help_text="The table is created here; its column types are mapped for this database.",
    )


class SqlForm(forms.Form):
    source_query = forms.CharField(
        label="Source query",
        widget=forms.Textarea(attrs={"rows": 10, "class": "sql", "spellcheck": "false"}),
        strip=False,
        help_text="Used as written; {name} tokens become watermark values at run time.",
    )


class ColumnForm(forms.Form):
    # Some databases give an expression like SELECT 1 no name at all.
    source_name = forms.CharField(widget=forms.HiddenInput, strip=False, required=False)
    source_type = forms.CharField(widget=forms.HiddenInput, required=False)
    dest_name = forms.CharField(label="Destination name", max_length=63, validators=[identifier_validator])
    dest_type = forms.CharField(label="Destination type", max_length=100)
    description = forms.CharField(required=False, max_length=1000)


class PickColumnForm(ColumnForm):
    include = forms.BooleanField(required=False, initial=True)


class BaseColumnFormSet(forms.BaseFormSet):
    def picked(self):
        """Return the module columns of the valid formset, numbered c1, c2, … in order."""
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data.get("include", True)]
        return [
            {
                "id": f"c{number}",
                "source_name": row["source_name"],
                "source_type": row["source_type"],
                "dest_name": row["dest_name"],
                "dest_type": row["dest_type"],
                "description": row["description"],
            }
            for number, row in enumerate(rows, start=1)
        ]

    def clean(self):
        if any(self.errors):
            return
        names = [c["dest_name"] for c in self.picked()]
        if not names:
            raise forms.ValidationError("Pick at least one column.")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise forms.ValidationError(
                f"Two columns are named {repeated[0]}; destination names must differ."
            )


ColumnFormSet = formset_factory(ColumnForm, formset=BaseColumnFormSet, extra=0)
PickColumnFormSet = formset_factory(PickColumnForm, formset=BaseColumnFormSet, extra=0)


class CreateForm(forms.ModelForm):
    merge_key = forms.CharField(
        required=False, help_text="Destination column names, comma-separated; needed for incremental."
    )

    class Meta:
        model = Module
        fields = ["name", "description", "dest", "dest_table", "source_query", "strategy", "merge_key"]
        labels = {"dest": "Destination", "dest_table": "Destination table"}
        widgets = {
            "source_query": forms.Textarea(attrs={"rows": 8, "class": "sql", "spellcheck": "false"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, dest_kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dest"].queryset = Connection.objects.filter(driver__kind=dest_kind)
        self.fields["source_query"].strip = False
        self.initial["merge_key"] = ", ".join(self.instance.merge_key)

    def clean_merge_key(self):
        return [name.strip() for name in self.cleaned_data["merge_key"].split(",") if name.strip()]

    def clean_dest_table(self):
        table = self.cleaned_data["dest_table"].strip()
        dest = self.cleaned_data.get("dest")
        try:
            (dest.dialect if dest else Dialect()).table_parts(table)
        except ValueError as exc:
            raise forms.ValidationError(f"Write it as schema.table or table: {exc}.") from exc
        return table


class WatermarkForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connection"].empty_label = "(the destination)"
        # Blank means "no default" (NULL); a resolver returning nothing then fails the run.
        self.fields["default_value"].empty_value = None


WatermarkFormSet = inlineformset_factory(
    Module,
    Watermark,
    form=WatermarkForm,
    fields=["name", "resolver_sql", "connection", "default_value"],
    widgets={
        "resolver_sql": forms.Textarea(attrs={"rows": 2, "class": "sql", "spellcheck": "false"}),
        "default_value": forms.TextInput,
    },
    extra=1,
    can_delete=False,
)


def _connection(pk):
    return get_object_or_404(Connection.objects.select_related("driver"), pk=pk)


def _start_params(request):
    """Return the source and destination named by ?source=&dest=, or None when either is missing."""
    form = StartForm(request.GET)
    return (form.cleaned_data["source"], form.cleaned_data["dest"]) if form.is_valid() else None


def _back_to_start(request):
    """Redirect to the first step, which shows what is missing from ?source=&dest=."""
    return redirect(reverse("syncs:wizard_start") + "?" + request.GET.urlencode())


@staff_required
def wizard_start(request):
    form = StartForm(request.GET or None)
    return render(request, "syncs/wizard_start.html", {"form": form})


@staff_required
def wizard_tables(request):
    chosen = _start_params(request)
    if chosen is None:
        return _back_to_start(request)
    source, dest = chosen
    schema_name = request.GET.get("schema", "")
    context = {"source": source, "dest": dest, "schema": schema_name, "schemas": [], "tables": []}
    try:
        context["schemas"] = introspection.list_schemas(source)
        if not schema_name and len(context["schemas"]) == 1:
            schema_name = context["schema"] = context["schemas"][0]
        if schema_name:
            context["tables"] = introspection.list_tables(source, schema_name)
    except JrunnerError as exc:
        context["error"] = str(exc)
    context["params"] = urlencode({"source": source.pk, "dest": dest.pk})
    return render(request, "syncs/wizard_tables.html", context)


@staff_required
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


@staff_required
def wizard_sql(request):
    chosen = _start_params(request)
    if chosen is None:
        return _back_to_start(request)
    source, dest = chosen
    context = {"source": source, "dest": dest}
    form = SqlForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["source_query"]
        sample, used = schema.sample_sql(query)
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
        if f.cleaned_data.get("name")
    }


def _check_against_source(form, columns, watermarks, source):
    """Add form errors when the query's tokens lack watermarks or its columns don't fit the grid."""
    query = form.cleaned_data["source_query"]
    defaults = _watermark_defaults(watermarks)
    missing = [t for t in dict.fromkeys(TOKEN_RE.findall(query)) if t not in defaults]
    if missing:
        names = ", ".join("{" + t + "}" for t in missing)
        form.add_error("source_query", f"The query uses {names} but no watermark has that name.")
        return
    try:
        returned = schema.query_columns(source, query, defaults)
    except JrunnerError as exc:
        form.add_error("source_query", f"{source.name}: {exc}")
        return
    if len(returned) != len(columns):
        form.add_error(
            "source_query",
            f"The query returns {len(returned)} columns but the grid has {len(columns)}; "
            "rows load by position, so they must match.",
        )


@staff_required
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
        return render(
            request,
            "syncs/wizard_create.html",
            {**context, "form": form, "columns": columns, "watermarks": watermarks},
        )

    columns = ColumnFormSet(request.POST, prefix="columns")
    if columns.is_valid():
        new_module.columns = columns.picked()
    form = CreateForm(request.POST, instance=new_module, dest_kind=draft_dest.kind)
    watermarks = WatermarkFormSet(request.POST, instance=new_module, prefix="watermarks")
    context.update(form=form, columns=columns, watermarks=watermarks)
    if not (columns.is_valid() and form.is_valid() and watermarks.is_valid()):
        return render(request, "syncs/wizard_create.html", context)
    _check_against_source(form, new_module.columns, watermarks, source)
    if form.errors:
        return render(request, "syncs/wizard_create.html", context)

    dest, table = new_module.dest, new_module.dest_table
    try:
        existing = schema.table_columns(dest, table)
    except JrunnerError as exc:
        form.add_error("dest_table", f"{dest.name}: {exc}")
        return render(request, "syncs/wizard_create.html", context)
    if existing is not None:
        differences = schema.column_differences(new_module.columns, existing)
        can_adopt = all(d["table_type"] for d in differences)
        if differences and can_adopt and "adopt" in request.POST:
            table_types = {c["dest_name"]: c["dest_type"] for c in existing}
            adopted = [{**c, "dest_type": table_types[c["dest_name"]]} for c in new_module.columns]
            context.update(columns=ColumnFormSet(initial=adopted, prefix="columns"), adopted=table)
            return render(request, "syncs/wizard_create.html", context)
        if differences:
            names = {c["dest_name"] for c in new_module.columns}
            extra = [c for c in existing if c["dest_name"] not in names]
            context.update(differences=differences, can_adopt=can_adopt, extra=extra)
            return render(request, "syncs/wizard_create.html", context)
    try:
        with transaction.atomic():
            module = form.save()
            watermarks.instance = module
            watermarks.save()
            if existing is None:
                # Last, so a refused CREATE TABLE rolls the module back with it.
                schema.create_table(dest, table, module.columns)
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


class AddColumnForm(forms.Form):
    dest_name = forms.CharField(label="Destination name", max_length=63, validators=[identifier_validator])
    dest_type = forms.CharField(label="Destination type", max_length=100)
    description = forms.CharField(required=False, max_length=1000, help_text="Becomes the column comment.")
    source_query = forms.CharField(
        label="Source query",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "sql", "spellcheck": "false"}),
        help_text="Rows load by position: the query must return the new column last.",
    )

    def column(self):
        data = self.cleaned_data
        return {
            "dest_name": data["dest_name"],
            "dest_type": data["dest_type"],
            "description": data["description"],
        }


@staff_required
def add_column(request, module_id):
    module = get_object_or_404(Module.objects.select_related("source__driver", "dest__driver"), pk=module_id)
    form = AddColumnForm(request.POST or None, initial={"source_query": module.source_query})
    if request.method == "POST" and form.is_valid():
        try:
            column = schema.add_column(module, form.column(), source_query=form.cleaned_data["source_query"])
        except schema.SchemaError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Added column {column['dest_name']} ({column['id']}) to {module.dest_table}."
            )
            return redirect("syncs:module_detail", module.pk)
    return render(request, "syncs/add_column.html", {"module": module, "form": form})
