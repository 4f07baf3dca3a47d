"""The forms of the new-module wizard, of the module editor and of + add column."""

from django import forms
from django.forms import formset_factory, inlineformset_factory

from connections.columns import column_id, make_column, next_column_id, validate_type
from connections.models import Connection
from syncs.models import Hook, Module, Watermark, identifier_validator


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


class RowForm(forms.Form):
    """A form shown as a table row: its column header is the only visible label, so each input
    carries its field's label for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault(
                "aria-label", str(field.label or name.replace("_", " ").capitalize())
            )


class ColumnForm(RowForm):
    # Some databases give an expression like SELECT 1 no name at all.
    source_name = forms.CharField(widget=forms.HiddenInput, strip=False, required=False)
    source_type = forms.CharField(widget=forms.HiddenInput, required=False)
    dest_name = forms.CharField(label="Destination name", max_length=63, validators=[identifier_validator])
    dest_type = forms.CharField(label="Destination type", max_length=100, validators=[validate_type])
    description = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The grid's inputs have no label beside them: each says what it is, and of which column.
        column = self.initial.get("source_name") or self.data.get(self.add_prefix("source_name"))
        for name, field in self.fields.items():
            if not field.widget.is_hidden:
                field.widget.attrs["aria-label"] = f"{self[name].label} of {column or 'an unnamed column'}"


class PickColumnForm(ColumnForm):
    include = forms.BooleanField(required=False, initial=True)


class BaseColumnFormSet(forms.BaseFormSet):
    def picked(self):
        """Return the module columns of the valid formset, numbered c1, c2, … in order."""
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data.get("include", True)]
        return [
            make_column(
                column_id(number),
                source_name=row["source_name"],
                source_type=row["source_type"],
                dest_name=row["dest_name"],
                dest_type=row["dest_type"],
                description=row["description"],
            )
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


class EditColumnForm(ColumnForm):
    # Empty for a column the query gained: it gets the next free id when picked.
    id = forms.CharField(widget=forms.HiddenInput, required=False)
    include = forms.BooleanField(required=False, initial=True, label="Keep")


class BaseEditColumnFormSet(BaseColumnFormSet):
    def picked(self):
        """Return the kept columns in order; a column keeps its id, a new one gets the next free id."""
        rows = [f.cleaned_data for f in self.forms]
        taken = [{"id": row.get("id", "")} for row in rows]
        columns = []
        for row in rows:
            if not row.get("include"):
                continue
            taken.append({"id": row["id"] or next_column_id(taken)})
            columns.append(
                make_column(
                    taken[-1]["id"],
                    source_name=row["source_name"],
                    source_type=row["source_type"],
                    dest_name=row["dest_name"],
                    dest_type=row["dest_type"],
                    description=row["description"],
                )
            )
        return columns


EditColumnFormSet = formset_factory(EditColumnForm, formset=BaseEditColumnFormSet, extra=0)


# The trust settings on the wizard's last page (and the module page).
GUARD_FIELDS = ["allow_empty", "min_rows", "max_shrink_pct"]
DELETE_FIELDS = ["delete_missing", "key_query", "delete_scope", "max_delete_pct"]


class CreateForm(forms.ModelForm):
    merge_key = forms.CharField(
        required=False, help_text="Destination column names, comma-separated; needed for incremental."
    )

    class Meta:
        model = Module
        fields = [
            "name",
            "description",
            "dest",
            "dest_table",
            "source_query",
            "strategy",
            "merge_key",
            *GUARD_FIELDS,
            *DELETE_FIELDS,
        ]
        labels = {
            "dest": "Destination",
            "dest_table": "Destination table",
            "min_rows": "Minimum rows",
            "max_shrink_pct": "Maximum shrink (%)",
            "max_delete_pct": "Maximum delete (%)",
            "delete_missing": "Rows gone from the source",
            "delete_scope": "Destination scope",
        }
        widgets = {
            "source_query": forms.Textarea(attrs={"rows": 8, "class": "sql", "spellcheck": "false"}),
            "description": forms.Textarea(attrs={"rows": 2}),
            "key_query": forms.Textarea(attrs={"rows": 2, "class": "sql", "spellcheck": "false"}),
            "delete_scope": forms.Textarea(attrs={"rows": 2, "class": "sql", "spellcheck": "false"}),
        }

    def __init__(self, *args, dest_kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dest"].queryset = Connection.objects.filter(driver__kind=dest_kind)
        self.fields["source_query"].strip = False
        self.initial["merge_key"] = ", ".join(self.instance.merge_key)
        # Left out (a form posted without the trust settings): the model's defaults.
        self.fields["delete_missing"].required = self.fields["max_delete_pct"].required = False

    def clean_delete_missing(self):
        return self.cleaned_data["delete_missing"] or Module._meta.get_field("delete_missing").default

    def clean_max_delete_pct(self):
        value = self.cleaned_data["max_delete_pct"]
        return Module._meta.get_field("max_delete_pct").default if value is None else value

    def clean_merge_key(self):
        return [name.strip() for name in self.cleaned_data["merge_key"].split(",") if name.strip()]


class WatermarkForm(RowForm, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connection"].empty_label = "(the destination)"
        # Blank means "no default" (NULL); a resolver returning nothing then fails the run.
        self.fields["default_value"].empty_value = None
        # A row of the watermark table, whose headers are not labels.
        for name, field in self.fields.items():
            if not field.widget.is_hidden:
                field.widget.attrs["aria-label"] = f"Watermark {self[name].label.lower()}"


WATERMARK_FIELDS = {
    "fields": ["name", "resolver_sql", "connection", "default_value"],
    "widgets": {
        "resolver_sql": forms.Textarea(attrs={"rows": 2, "class": "sql", "spellcheck": "false"}),
        "default_value": forms.TextInput,
    },
    "labels": {"resolver_sql": "Resolver SQL"},
}
WatermarkFormSet = inlineformset_factory(
    Module, Watermark, form=WatermarkForm, extra=1, can_delete=False, **WATERMARK_FIELDS
)
EditWatermarkFormSet = inlineformset_factory(
    Module, Watermark, form=WatermarkForm, extra=0, can_delete=True, **WATERMARK_FIELDS
)


class HookForm(RowForm, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connection"].empty_label = "(the destination)"


HookFormSet = inlineformset_factory(
    Module,
    Hook,
    form=HookForm,
    fields=["name", "sql", "run_order", "run_on", "connection", "enabled"],
    widgets={"sql": forms.Textarea(attrs={"rows": 2, "class": "sql", "spellcheck": "false"})},
    labels={"sql": "SQL"},
    extra=0,
    can_delete=True,
)


# How the module's runs are stopped and tried again, on the module editor.
RUN_FIELDS = ["timeout", "retries", "retry_delay"]


class EditForm(CreateForm):
    """The module editor's fields: the wizard's, plus whether the module runs at all, its timeout
    and its retries."""

    class Meta(CreateForm.Meta):
        fields = [*CreateForm.Meta.fields, "enabled", *RUN_FIELDS]
        labels = {**CreateForm.Meta.labels, "timeout": "Timeout (s)", "retry_delay": "Retry delay (s)"}
        help_texts = {"enabled": "A disabled module is skipped by its groups; it can still be run by hand."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (a form posted without them): the model's defaults.
        self.fields["retries"].required = self.fields["retry_delay"].required = False

    def clean_retries(self):
        value = self.cleaned_data["retries"]
        return Module._meta.get_field("retries").default if value is None else value

    def clean_retry_delay(self):
        value = self.cleaned_data["retry_delay"]
        return Module._meta.get_field("retry_delay").default if value is None else value


class AddColumnForm(forms.Form):
    dest_name = forms.CharField(label="Destination name", max_length=63, validators=[identifier_validator])
    dest_type = forms.CharField(label="Destination type", max_length=100, validators=[validate_type])
    description = forms.CharField(required=False, max_length=1000, help_text="Becomes the column comment.")
    source_query = forms.CharField(
        label="Source query",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "sql", "spellcheck": "false"}),
        help_text="Rows load by position: the query must return the new column last.",
    )
    # Set by a drift notice's "add column": the new column is the query's column of that name.
    source_name = forms.CharField(required=False, widget=forms.HiddenInput)

    def column(self):
        data = self.cleaned_data
        return {
            "dest_name": data["dest_name"],
            "dest_type": data["dest_type"],
            "description": data["description"],
        }
