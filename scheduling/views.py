from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pipekit_site.auth import ADD_GROUP, CHANGE_GROUP, RUN, permission_required, staff_required
from scheduling import engine
from scheduling.forms import GroupForm, MemberForm, ScheduleForm
from scheduling.models import Group, GroupMember, GroupRun, Schedule, Step, with_members
from syncs.models import RunLog, Status, Trigger
from syncs.summaries import LONG_FIELDS, latest_runs
from syncs.verify import latest_verification

RECENT_GROUP_RUNS = 20
NEXT_FIRE_TIMES = 5


@staff_required
def group_list(request):
    groups = with_members(Group.objects)
    latest = latest_runs(GroupRun.objects, "group", [group.id for group in groups])
    for group_run in latest.values():
        engine.abandon_if_dead(group_run)
    # One reverse for a thousand member links: each costs a page tens of microseconds.
    modules_url = reverse("syncs:module_detail", args=[0]).removesuffix("0/")
    for group in groups:
        group.last_run = latest.get(group.id)
        for member in group.member_rows:
            member["url"] = f"{modules_url}{member['module_id']}/"
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
        "schedules": with_fire_times(group.schedules.all()),
        "group_runs": group.runs.all()[:RECENT_GROUP_RUNS],
    }
    return render(request, "scheduling/group_detail.html", context)


def with_fire_times(schedules):
    """Give each schedule its next fire times (`next_fires`), none while it is paused."""
    schedules = list(schedules)
    for schedule in schedules:
        schedule.next_fires = schedule.next_fire_times(NEXT_FIRE_TIMES) if schedule.enabled else []
    return schedules


@permission_required(ADD_GROUP)
def group_new(request):
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        group = form.save()
        messages.success(request, f"Group {group.name} created. Add its members and schedules.")
        return redirect("scheduling:group_edit", group.id)
    return render(request, "scheduling/group_new.html", {"form": form}, status=400 if form.errors else 200)


def _edit_page(request, group, status=200, **forms):
    """The group's edit page, with the forms given (fresh ones for the others)."""
    context = {
        "group": group,
        "form": forms.get("form") or GroupForm(instance=group),
        "member_form": forms.get("member_form") or MemberForm(group),
        "schedule_form": forms.get("schedule_form") or ScheduleForm(),
        "preview": forms.get("preview"),
        "members": list(group.members.select_related("module").only("id", "run_order", "module__name")),
        "schedules": with_fire_times(group.schedules.all()),
    }
    return render(request, "scheduling/group_edit.html", context, status=status)


def _back_to_edit(group, part):
    return redirect(reverse("scheduling:group_edit", args=[group.id]) + f"#{part}")


@permission_required(CHANGE_GROUP)
def group_edit(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    if request.method != "POST":
        return _edit_page(request, group)
    form = GroupForm(request.POST, instance=group)
    if not form.is_valid():
        # The group as stored, not as half-edited, names the page.
        return _edit_page(request, Group.objects.get(pk=group.pk), status=400, form=form)
    form.save()
    messages.success(request, f"Saved group {group.name}.")
    return _back_to_edit(group, "group")


@permission_required(CHANGE_GROUP)
@require_POST
def member_add(request, group_id):
    group = get_object_or_404(Group, pk=group_id)
    form = MemberForm(group, request.POST)
    if not form.is_valid():
        return _edit_page(request, group, status=400, member_form=form)
    module = form.cleaned_data["module"]
    group.add_member(module)
    messages.success(request, f"Added {module.name}: it runs last.")
    return _back_to_edit(group, "members")


def _member(group_id, member_id):
    return get_object_or_404(
        GroupMember.objects.select_related("group", "module"), pk=member_id, group=group_id
    )


@permission_required(CHANGE_GROUP)
@require_POST
def member_move(request, group_id, member_id):
    member = _member(group_id, member_id)
    offsets = {"up": -1, "down": 1}
    if request.POST.get("direction") not in offsets:
        return HttpResponseBadRequest("direction must be up or down")
    member.group.move_member(member.id, offsets[request.POST["direction"]])
    return _back_to_edit(member.group, f"member-{member.id}")


@permission_required(CHANGE_GROUP)
@require_POST
def member_order(request, group_id):
    """Take the whole run order at once (the page's drag and drop sends it)."""
    group = get_object_or_404(Group, pk=group_id)
    try:
        group.reorder([int(part) for part in request.POST.get("order", "").split(",")])
    except ValueError:
        messages.error(request, "Not reordered: the members changed meanwhile. Here they are now; try again.")
    else:
        messages.success(request, "Saved the run order.")
    return _back_to_edit(group, "members")


@permission_required(CHANGE_GROUP)
@require_POST
def member_remove(request, group_id, member_id):
    member = _member(group_id, member_id)
    member.delete()
    messages.success(request, f"Removed {member.module.name} from {member.group.name}.")
    return _back_to_edit(member.group, "members")


@permission_required(CHANGE_GROUP)
@require_POST
def schedule_add(request, group_id):
    """Add a schedule, or with `preview` show its times in words and its next fire times unsaved."""
    group = get_object_or_404(Group, pk=group_id)
    form = ScheduleForm(request.POST, instance=Schedule(group=group))
    if not form.is_valid():
        return _edit_page(request, group, status=400, schedule_form=form)
    if "preview" in request.POST:
        schedule = form.instance
        preview = {"in_words": schedule.in_words, "next_fires": schedule.next_fire_times(NEXT_FIRE_TIMES)}
        return _edit_page(request, group, schedule_form=form, preview=preview)
    schedule = form.save()
    messages.success(request, f"Added the schedule {schedule.cron}: {schedule.in_words}.")
    return _back_to_edit(group, "schedules")


@permission_required(CHANGE_GROUP)
def schedule_edit(request, schedule_id):
    """Change a schedule's cron or time zone; with `preview`, show its new times unsaved."""
    schedule = get_object_or_404(Schedule.objects.select_related("group"), pk=schedule_id)
    stored = Schedule.objects.get(pk=schedule.pk)
    form = ScheduleForm(request.POST or None, instance=schedule)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" not in request.POST:
            form.save()
            messages.success(request, f"Saved the schedule {schedule.cron}: {schedule.in_words}.")
            return _back_to_edit(schedule.group, "schedules")
        preview = {"in_words": schedule.in_words, "next_fires": schedule.next_fire_times(NEXT_FIRE_TIMES)}
    context = {"schedule": stored, "form": form, "preview": preview}
    return render(request, "scheduling/schedule_edit.html", context, status=400 if form.errors else 200)


@permission_required(CHANGE_GROUP)
@require_POST
def schedule_delete(request, schedule_id):
    schedule = get_object_or_404(Schedule.objects.select_related("group"), pk=schedule_id)
    schedule.delete()
    messages.success(request, f"Deleted the schedule {schedule.cron} ({schedule.in_words}).")
    return _back_to_edit(schedule.group, "schedules")


def _paused(request):
    """The `paused` switch of a pause form as a bool; None when it is neither 1 nor 0."""
    return {"1": True, "0": False}.get(request.POST.get("paused"))


@permission_required(RUN)
@require_POST
def group_pause(request, group_id):
    """Pause or resume every schedule of the group at once (the group's `enabled`).

    The form says which, so a double click leaves the group as the first click did."""
    group = get_object_or_404(Group, pk=group_id)
    paused = _paused(request)
    if paused is None:
        return HttpResponseBadRequest("paused must be 1 or 0")
    if group.enabled == paused:
        group.enabled = not paused
        group.save(update_fields=["enabled"])
    if paused:
        messages.success(request, f"Paused {group.name}: its schedules start no runs until it is resumed.")
    else:
        messages.success(request, f"Resumed {group.name}: times missed while paused are not caught up.")
    return redirect("scheduling:group_detail", group.id)


@permission_required(RUN)
@require_POST
def schedule_pause(request, schedule_id):
    schedule = get_object_or_404(Schedule.objects.select_related("group"), pk=schedule_id)
    paused = _paused(request)
    if paused is None:
        return HttpResponseBadRequest("paused must be 1 or 0")
    if schedule.enabled == paused:
        schedule.enabled = not paused
        schedule.save(update_fields=["enabled"])
    verb = "Paused" if paused else "Resumed"
    messages.success(request, f"{verb} the schedule {schedule.cron} ({schedule.in_words}).")
    return redirect("scheduling:group_detail", schedule.group_id)


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
