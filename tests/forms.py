"""Posting a page's forms back as a browser would, for view tests."""

from django import forms


def _field_values(form):
    values = {}
    for field in form:
        value = field.value()
        if isinstance(field.field.widget, forms.CheckboxInput):
            if value:
                values[field.html_name] = "on"
        elif value is not None:
            values[field.html_name] = str(value.pk if hasattr(value, "pk") else value)
    return values


def page_form_data(response):
    """Return the POST data of every form and formset of a rendered page, as its inputs hold them."""
    data = {}
    for value in (response.context[key] for key in response.context.keys()):
        if isinstance(value, forms.BaseFormSet):
            data.update(_field_values(value.management_form))
            for form in value.forms:
                data.update(_field_values(form))
        elif isinstance(value, forms.BaseForm):
            data.update(_field_values(value))
    if "version" in response.context:
        data["version"] = response.context["version"]
    return data
