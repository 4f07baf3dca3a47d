from django.contrib import admin

from connections.forms import SecretRefInput
from connections.models import Connection, Driver


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "class_name", "jars_present"]
    search_fields = ["name", "class_name"]

    @admin.display(boolean=True, description="jars present")
    def jars_present(self, obj):
        return not obj.missing_jars()


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["name", "driver", "jdbc_url", "username", "password"]
    list_filter = ["driver"]
    search_fields = ["name", "jdbc_url", "description"]
    list_select_related = ["driver"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "password":
            kwargs["widget"] = SecretRefInput(attrs={"placeholder": "$NAME", "autocomplete": "off"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)
