from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from syncs import notify
from syncs.models import (
    LIFECYCLE_FIELDS,
    Channel,
    FailedRun,
    Hook,
    Module,
    RunLog,
    Trigger,
    Verification,
    Watermark,
)
from syncs.summaries import LONG_FIELDS

# Changed on the module's own page (syncs/editor.py), which checks them against the query and
# the destination table; the admin only shows them.
READ_ONLY_JSON = ["columns", "merge_key"]
# Run lists count at most this many rows; older ones are reached by narrowing the dates.
COUNT_CAP = 10_000
# A run search lists the runs of at most this many modules, so the page never sorts a year of runs.
SEARCH_MODULES = 20


class CappedPaginator(Paginator):
    """Count no further than COUNT_CAP rows, so a list of a year of runs never counts them all."""

    @cached_property
    def count(self):
        # Unordered: which rows are counted does not change how many, and a database told to
        # sort them first sorts every matching run.
        return self.object_list.order_by()[: COUNT_CAP + 1].count()


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


# A run list shows its module by name: the module's long texts and JSON would cost every row.
MODULE_LONG_FIELDS = [
    f"module__{name}"
    for name in [
        "description",
        "source_query",
        "merge_key",
        "columns",
        "notify",
        "key_query",
        "delete_scope",
        "trend",
    ]
]


class RunListAdmin(admin.ModelAdmin):
    """What a list of a year of runs needs: capped counts, deferred texts, no date hierarchy (it
    would read every distinct date), filters that query nothing, and pages of 50 (rendering a row
    of the admin's list costs more than reading it)."""

    paginator = CappedPaginator
    show_full_result_count = False
    list_per_page = 50
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


class ModuleAdminForm(forms.ModelForm):
    def add_error(self, field, error):
        # Module.clean names columns and merge_key, read-only here: their errors are the form's own.
        if field is None and hasattr(error, "error_dict"):
            for name in READ_ONLY_JSON:
                if name in error.error_dict:
                    super().add_error(None, error.error_dict.pop(name))
        super().add_error(field, error)


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    form = ModuleAdminForm
    list_display = ["name", "source", "dest", "dest_table", "strategy", "enabled", "running_run"]
    list_filter = ["strategy", "enabled", "source", "dest"]
    search_fields = ["name", "dest_table", "source_query", "description"]
    readonly_fields = [
        "edit_on_page",
        "columns",
        "merge_key",
        "running_run",
        "locked_at",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["source", "dest", "running_run__module"]
    inlines = [WatermarkInline, HookInline]
    actions = ["enable", "disable"]

    @admin.display(description="Columns and merge key")
    def edit_on_page(self, obj):
        if obj.pk is None:
            return "Set them with the new-module wizard, or on the module's page once it is saved."
        link = reverse("syncs:module_edit", args=[obj.pk])
        return format_html(
            'Change them on <a href="{}">the module\'s page</a>, which checks them first.', link
        )

    @admin.action(description="Enable selected modules", permissions=["change"])
    def enable(self, request, queryset):
        count = queryset.update(enabled=True)
        self.message_user(request, f"{count} module(s) enabled.")

    @admin.action(description="Disable selected modules", permissions=["change"])
    def disable(self, request, queryset):
        count = queryset.update(enabled=False)
        self.message_user(request, f"{count} module(s) disabled.")


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "url", "enabled"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "description"]
    actions = ["send_test"]

    @admin.action(description="Send a test notice through the selected channels", permissions=["change"])
    def send_test(self, request, queryset):
        for channel in queryset:
            outcome, sent = notify.send_test(channel)
            level = messages.SUCCESS if sent else messages.ERROR
            self.message_user(request, f"{channel.name}: {'sent' if sent else 'failed'} ({outcome}).", level)


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
    list_deferred = [
        *LONG_FIELDS,
        *MODULE_LONG_FIELDS,
        "error",
        "watermark_values",
        "hook_results",
        "backfill",
        "drift",
    ]
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
    search_help_text = f"The beginning of a module's name (the runs of at most {SEARCH_MODULES} modules)."
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
        "retry_of",
        "attempt",
        "start_after",
        "retriable",
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
        """Runs of the modules whose name starts with the term, at most SEARCH_MODULES of them.

        The modules are found first, in their small table, and their runs through the runs' module
        index (a join would make the database walk every run to compare its module's name). The
        bound keeps the runs to sort for the page to a few thousand."""
        term = search_term.strip()
        if not term:
            return queryset, False
        modules = Module.objects.filter(name__istartswith=term).order_by("name")
        modules = list(modules.values_list("pk", flat=True)[: SEARCH_MODULES + 1])
        if len(modules) > SEARCH_MODULES:
            messages.info(
                request,
                f"More than {SEARCH_MODULES} modules start with “{term}”: these are the runs of the "
                f"first {SEARCH_MODULES} by name. Type more of the name to narrow it.",
            )
        return queryset.filter(module__in=modules[:SEARCH_MODULES]), False


@admin.register(FailedRun)
class FailedRunAdmin(RunLogAdmin):
    list_filter = [TriggerKindFilter, ("created_at", admin.DateFieldListFilter)]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status="error")


@admin.register(Verification)
class VerificationAdmin(RunListAdmin):
    list_deferred = ["live_log", "resolved_sql", "first_keys", "different_columns", *MODULE_LONG_FIELDS]
    list_display = ["id", "module", "status", "trigger", "started_at", "matched", "error"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["module"]
    fields = [
        "module",
        "group_run",
        *LIFECYCLE_FIELDS,
        "resolved_sql",
        *Verification.OUTCOME_FIELDS,
        "live_log",
    ]
