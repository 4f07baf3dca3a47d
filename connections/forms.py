"""The connection form of the back office, and the password reference widget the admin shares."""

import re

from django import forms

from connections import secrets
from connections.models import SECRET_REF_RE, Connection


class SecretRefInput(forms.TextInput):
    """Show a $NAME reference, never anything else: a password typed here by mistake is not
    sent back to the browser with the error message."""

    def format_value(self, value):
        value = super().format_value(value)
        return value if value and re.match(SECRET_REF_RE, value) else None


def secret_name_for(connection_name):
    """The secrets-file key proposed for a connection's password: ERP_PASSWORD for erp."""
    return re.sub(r"[^A-Z0-9_]+", "_", connection_name.upper()).strip("_") + "_PASSWORD"


class ConnectionForm(forms.ModelForm):
    new_password = forms.CharField(
        label="Set the password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
        help_text="Written to the secrets file under the $NAME above (or one made from the connection's "
        "name), as 'manage.py secrets set' does; never shown again. Leave empty to keep the stored one.",
    )

    class Meta:
        model = Connection
        fields = Connection.SETTINGS
        labels = {"password": "Password reference"}
        widgets = {
            "password": SecretRefInput(attrs={"placeholder": "$NAME", "autocomplete": "off"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        data = super().clean()
        typed = data.get("new_password")
        if typed and re.search(r"[\r\n]", typed):
            self.add_error("new_password", "A password must be one line.")
        elif typed and not data.get("password") and data.get("name") and not self.has_error("password"):
            # The secret needs a name: one made from the connection's, as an operator would write it.
            data["password"] = "$" + secret_name_for(data["name"])
        return data

    def store_password(self):
        """Write the typed password into the secrets file under the reference's name, if one was typed."""
        if self.cleaned_data.get("new_password"):
            secrets.set_secret(self.cleaned_data["password"][1:], self.cleaned_data["new_password"])
