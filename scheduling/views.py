from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from pipekit_site.auth import RUN, permission_required, staff_required
from scheduling import engine
from scheduling.models import Group, GroupRun, Step, with_members
from syncs.models import RunLog, Status, Trigger
from syncs.summaries import LONG_FIELDS, latest_runs
from syncs.verify import latest_verification

RECENT_GROUP_RUNS = 20


@staff_required
def group_list(request):
    groups = list(with_members(Group.objects))
    latest = latest_runs(GroupRun.objects, "group", [group.id for group in groups])
    for group_run in latest.values():
        engine.abandon_if_dead(group_run)
    for group in groups:
        group.last_run = latest.get(group.id)
    return render(request, "scheduling/group_list.html", {"groups": groups})


@staff_required
def group_detail(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    # Before the members' last runs: ending a dead group run ends its module runs too.
    engine.abandon_dead_runs(group)
    members = list(group.members.select_related("module"))
    latest = latest_runs(RunLog.objects.defer(*LONG_FIELDS), "module", [m.module_id for m in members])
    for member in members:
        # A verify step shows the module's last verification instead (few groups have such steps).
        member.last_run = latest.get(member.module_id) if member.step == Step.RUN else None
        member.last_verification = latest_verification(member.module) if member.step == Step.VERIFY else None
    context = {
        "group": group,
        "members": members,
        "schedules": group.schedules.all(),
        "group_runs": group.runs.all()[:RECENT_GROUP_RUNS],
    }
    return render(request, "scheduling/group_detail.html", context)


@permission_required(RUN)
@require_POST
def group_run_start(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    dry_run = request.POST.get("dry_run") == "1"
    group_run = engine.start_detached_group_run(
        group, trigger=Trigger.MANUAL, triggered_by=request.user.username, dry_run=dry_run
    )
    return redirect("scheduling:group_run_detail", group_run.id)


@staff_required
def group_run_detail(request, group_run_id):
    group_run = get_object_or_404(GroupRun.objects.select_related("group"), pk=group_run_id)
    engine.abandon_if_dead(group_run)
    runs = {
        (run.module_id, Step.RUN): run
        for run in group_run.runs.select_related("module").defer("live_log", "stdout", "stderr")
    }
    runs.update(
        ((v.module_id, Step.VERIFY), v)
        for v in group_run.verifications.select_related("module").defer("live_log")
    )
    # Every member in order, with its run (or verification) in this group run once it has one.
    steps = [
        (member, runs.pop((member.module_id, member.step), None))
        for member in group_run.group.members.select_related("module")
    ]
    # Runs of modules no longer in the group still belong to this group run.
    steps += [(None, run) for run in runs.values()]
    context = {"group_run": group_run, "steps": steps}
    if request.htmx:
        return render(request, "scheduling/group_run_detail.html#live", context)
    return render(request, "scheduling/group_run_detail.html", context)


@permission_required(RUN)
@require_POST
def group_run_cancel(request, group_run_id):
    group_run = get_object_or_404(GroupRun, pk=group_run_id)
    if not group_run.request_cancel():
        messages.info(
            request, f"Group run {group_run.id} had already finished ({group_run.get_status_display()})."
        )
    elif group_run.status == Status.CANCELLED:
        messages.success(request, f"Group run {group_run.id} was cancelled before it started.")
    else:
        messages.success(
            request,
            f"Cancel requested: group run {group_run.id} stops its current module and skips the rest.",
        )
    return redirect("scheduling:group_run_detail", group_run.id)
