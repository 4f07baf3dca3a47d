from django.contrib import admin

from syncs.models import LIFECYCLE_FIELDS, FailedRun, Hook, Module, RunLog, Watermark


class WatermarkInline(admin.TabularInline):
    model = Watermark
    extra = 0
    fk_name = "module"


class HookInline(admin.TabularInline):
    model = Hook
    extra = 0
    fk_name = "module"


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "dest", "dest_table", "strategy", "enabled", "running_run"]
    list_filter = ["strategy", "enabled", "source", "dest"]
    search_fields = ["name", "dest_table", "source_query", "description"]
    readonly_fields = ["running_run", "locked_at", "created_at", "updated_at"]
    list_select_related = ["source", "dest", "running_run__module"]
    inlines = [WatermarkInline, HookInline]
    actions = ["enable", "disable"]

    @admin.action(description="Enable selected modules")
    def enable(self, request, queryset):
        count = queryset.update(enabled=True)
        self.message_user(request, f"{count} module(s) enabled.")

    @admin.action(description="Disable selected modules")
    def disable(self, request, queryset):
        count = queryset.update(enabled=False)
        self.message_user(request, f"{count} module(s) disabled.")


@admin.register(Watermark)
class WatermarkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "connection", "default_value"]
    search_fields = ["name", "module__name"]


@admin.register(Hook)
class HookAdmin(admin.ModelAdmin):
    list_display = ["__str__", "run_order", "run_on", "connection", "enabled"]
    list_filter = ["run_on", "enabled"]
    search_fields = ["name", "module__name"]


@admin.register(RunLog)
class RunLogAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "module",
        "status",
        "trigger",
        "triggered_by",
        "started_at",
        "duration",
        "rows_merged",
        "load_path",
    ]
    list_filter = ["status", "module", "trigger", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["module__name", "error", "triggered_by"]
    date_hierarchy = "created_at"
    list_select_related = ["module"]
    fields = [
        "module",
        "group_run",
        *LIFECYCLE_FIELDS,
        "watermark_values",
        "resolved_sql",
        "merge_sql",
        "rows_staged",
        "rows_merged",
        "load_path",
        "hook_results",
        "live_log",
        "stdout",
        "stderr",
    ]

    # Run logs are history: nobody edits or adds them by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FailedRun)
class FailedRunAdmin(RunLogAdmin):
    list_filter = ["module", "trigger", ("created_at", admin.DateFieldListFilter)]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status="error")
