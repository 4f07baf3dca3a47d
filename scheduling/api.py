"""JSON API for groups and group runs (HTTP Basic, staff only: see pipekit_site.api.api_view)."""

from django.http import JsonResponse
from django.urls import reverse

from pipekit_site.api import api_view, find, read_flags
from pipekit_site.auth import RUN
from scheduling import engine
from scheduling.models import Group, GroupRun, with_members
from syncs.api import run_summary
from syncs.models import Trigger
from syncs.summaries import LONG_FIELDS


def group_run_summary(group_run):
    return {
        "id": group_run.id,
        "url": reverse("scheduling:api_group_run_detail", args=[group_run.id]),
        "group": {"id": group_run.group_id, "name": group_run.group.name},
        "status": group_run.status,
        "dry_run": group_run.dry_run,
        "trigger": group_run.trigger,
        "triggered_by": group_run.triggered_by,
        "created_at": group_run.created_at,
        "started_at": group_run.started_at,
        "finished_at": group_run.finished_at,
        "finished": group_run.is_finished,
        "error": group_run.error,
    }


@api_view("GET")
def group_list(request):
    groups = with_members(Group.objects)
    return JsonResponse(
        {
            "groups": [
                {
                    "id": group.id,
                    "name": group.name,
                    "description": group.description,
                    "enabled": group.enabled,
                    "stop_on_failure": group.stop_on_failure,
                    "members": group.member_rows,
                    "schedules": [
                        {
                            "id": s.id,
                            "cron": s.cron,
                            "timezone": s.zone_name,
                            "in_words": s.in_words,
                            "enabled": s.enabled,
                            "last_fired_at": s.last_fired_at,
                            "next_fire_times": s.next_fire_times() if s.enabled else [],
                        }
                        for s in group.schedules.all()
                    ],
                }
                for group in groups
            ]
        }
    )


@api_view("POST", permission=RUN)
def group_run_start(request, group_id):
    group = find(Group.objects, group_id, "group")
    flags, error = read_flags(request)
    if error:
        return error
    group_run = engine.start_detached_group_run(
        group, trigger=Trigger.API, triggered_by=request.user.username, **flags
    )
    url = reverse("scheduling:api_group_run_detail", args=[group_run.id])
    return JsonResponse({"group_run_id": group_run.id, "status": group_run.status, "url": url}, status=202)


@api_view("GET")
def group_run_detail(request, group_run_id):
    group_run = find(GroupRun.objects.select_related("group"), group_run_id, "group run")
    engine.abandon_if_dead(group_run)
    runs = group_run.runs.select_related("module").defer(*LONG_FIELDS).order_by("created_at", "id")
    data = group_run_summary(group_run)
    data["runs"] = [
        {**run_summary(run), "module": {"id": run.module_id, "name": run.module.name}} for run in runs
    ]
    return JsonResponse(data)
