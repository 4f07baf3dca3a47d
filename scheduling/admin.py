from django.contrib import admin
from django.utils.html import format_html_join

from scheduling.models import Group, GroupMember, GroupRun, Schedule
from syncs.models import LIFECYCLE_FIELDS, RunLog


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


@admin.register(GroupRun)
class GroupRunAdmin(admin.ModelAdmin):
    list_display = ["id", "group", "status", "trigger", "started_at", "finished_at"]
    list_filter = ["status", "group", "trigger", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["group"]
    date_hierarchy = "created_at"
    inlines = [RunLogInline]
    fields = ["group", *LIFECYCLE_FIELDS]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
