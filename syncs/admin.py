from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from syncs.models import LIFECYCLE_FIELDS, FailedRun, Hook, Module, RunLog, Trigger, Watermark
from syncs.summaries import LONG_FIELDS

# Run lists count at most this many rows; older ones are reached by narrowing the dates.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Count no further than COUNT_CAP rows, so a list of a year of runs never counts them all."""

    @cached_property
    def count(self):
        return self.object_list[: COUNT_CAP + 1].count()


class TriggerKindFilter(admin.SimpleListFilter):
    """By the kind of trigger, from the fixed list: no DISTINCT over every stored trigger."""

    title = "trigger"
    parameter_name = "trigger"

    def lookups(self, request, model_admin):
        return Trigger.choices

    def queryset(self, request, queryset):
        return queryset.filter(Trigger.matching(self.value())) if self.value() else queryset


class RunChangeList(ChangeList):
    """The list reads none of a run's long texts; the run's own page still shows them all."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*self.model_admin.list_deferred)


class RunListAdmin(admin.ModelAdmin):
    """What a list of a year of runs needs: capped counts, deferred texts, no date hierarchy (it
    would read every distinct date) and filters that query nothing."""

    paginator = CappedPaginator
    show_full_result_count = False
    list_deferred = ["error"]

    def get_changelist(self, request, **kwargs):
        return RunChangeList

    # Runs are history: nobody edits or adds them by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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

    @admin.action(description="Enable selected modules", permissions=["change"])
    def enable(self, request, queryset):
        count = queryset.update(enabled=True)
        self.message_user(request, f"{count} module(s) enabled.")

    @admin.action(description="Disable selected modules", permissions=["change"])
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
class RunLogAdmin(RunListAdmin):
    list_deferred = [*LONG_FIELDS, "error"]
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
    list_filter = ["status", TriggerKindFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["module__name"]
    search_help_text = "The beginning of a module's name."
    list_select_related = ["module"]
    fields = [
        "module",
        "group_run",
        *LIFECYCLE_FIELDS,
        "watermark_values",
        "resolved_sql",
        "merge_sql",
        "forced",
        "refused_by_guard",
        "rows_read",
        "rows_staged",
        "rows_deleted",
        "rows_merged",
        "rows_marked",
        "load_path",
        "hook_results",
        "live_log",
        "stdout",
        "stderr",
    ]

    def get_search_results(self, request, queryset, search_term):
        """Runs of the modules whose name starts with the term: the modules are found first, in
        their small table, and their runs through the runs' module index (a join would make the
        database walk every run to compare its module's name)."""
        if not search_term.strip():
            return queryset, False
        modules = Module.objects.filter(name__istartswith=search_term.strip())
        return queryset.filter(module__in=modules), False


@admin.register(FailedRun)
class FailedRunAdmin(RunLogAdmin):
    list_filter = [TriggerKindFilter, ("created_at", admin.DateFieldListFilter)]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status="error")
