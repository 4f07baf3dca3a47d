from django.contrib import admin
from django.utils.html import format_html_join

from scheduling.models import Group, GroupMember, GroupRun, Schedule
from syncs.admin import RunListAdmin, TriggerKindFilter
from syncs.models import LIFECYCLE_FIELDS, RunLog
from syncs.summaries import LONG_FIELDS


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    autocomplete_fields = ["module"]


class ScheduleInline(admin.TabularInline):
    model = Schedule
    extra = 0
    fields = ["cron", "timezone", "enabled", "next_fires", "last_fired_at"]
    readonly_fields = ["next_fires", "last_fired_at"]

    @admin.display(description="next fire times")
    def next_fires(self, obj):
        if not obj.pk:
            return "-"
        return format_html_join(
            ", ", "{}", ((t.strftime("%Y-%m-%d %H:%M %Z"),) for t in obj.next_fire_times())
        )


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "enabled", "stop_on_failure"]
    list_filter = ["enabled"]
    search_fields = ["name", "description"]
    inlines = [GroupMemberInline, ScheduleInline]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["group", "cron", "timezone", "enabled", "last_fired_at"]
    list_filter = ["enabled", "group"]


class RunLogInline(admin.TabularInline):
    model = RunLog
    fields = ["module", "status", "started_at", "finished_at", "rows_merged", "error"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        # The module's name for each row comes joined, not one query per run.
        return super().get_queryset(request).select_related("module").defer(*LONG_FIELDS)


@admin.register(GroupRun)
class GroupRunAdmin(RunListAdmin):
    list_display = ["id", "group", "status", "trigger", "started_at", "finished_at"]
    list_filter = ["status", "group", TriggerKindFilter, ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["group"]
    inlines = [RunLogInline]
    fields = ["group", *LIFECYCLE_FIELDS]
