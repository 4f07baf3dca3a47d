from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db.models import Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pipekit_site.auth import CHANGE_CHANNEL, RUN, permission_required, staff_required
from syncs import detached, notify
from syncs.backfill import values_problem
from syncs.locks import ModuleLocked, unlock
from syncs.models import Channel, Module, RunLog, Status, Trigger
from syncs.summaries import LONG_FIELDS, latest_runs, newest_run, outcomes
from syncs.trends import chart_runs, history_chart, trend_svg
from syncs.verify import latest_verification

RECENT_RUNS = 20
MODULE_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50
NEVER_RUN = "never"


def with_summaries(modules):
    """Give each module its latest run (`last_run`) and its trend picture (`trend_svg`)."""
    modules = list(modules)
    latest = latest_runs(RunLog.objects.defer(*LONG_FIELDS), "module", [m.id for m in modules])
    for module in modules:
        module.last_run = latest.get(module.id)
        module.trend_svg = trend_svg(module.trend)
    return modules


class ModuleSearch(forms.Form):
    name = forms.CharField(required=False)
    group = forms.CharField(required=False)
    connection = forms.CharField(required=False)
    status = forms.ChoiceField(
        choices=[("", "any status"), *Status.choices, (NEVER_RUN, "never run")], required=False
    )

    def filter(self, modules):
        """Narrow the modules by the valid fields: names contain the text; status is the last run's."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("name"):
            modules = modules.filter(name__icontains=data["name"])
        if data.get("group"):
            modules = modules.filter(groups__name__icontains=data["group"]).distinct()
        if data.get("connection"):
            text = data["connection"]
            modules = modules.filter(Q(source__name__icontains=text) | Q(dest__name__icontains=text))
        if data.get("status"):
            last_status = Subquery(newest_run(outcomes(RunLog.objects), "module").values("status"))
            modules = modules.annotate(last_status=last_status)
            if data["status"] == NEVER_RUN:
                modules = modules.filter(last_status__isnull=True)
            else:
                modules = modules.filter(last_status=data["status"])
        return modules


@staff_required
def module_list(request):
    modules = Module.objects.prefetch_related("groups")
    row_of = request.GET.get("module", "")
    if request.htmx and row_of.isdigit():
        # A running module's row polls for itself until its run ends.
        module = get_object_or_404(modules, pk=row_of)
        return render(request, "syncs/module_list.html#row", {"module": with_summaries([module])[0]})
    form = ModuleSearch(request.GET)
    page = Paginator(form.filter(modules), MODULE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "modules": with_summaries(page.object_list),
        "any": Module.objects.exists(),
    }
    return render(request, "syncs/module_list.html", context)


@staff_required
def module_detail(request, module_id):
    module = get_object_or_404(Module.objects.select_related("source", "dest"), pk=module_id)
    runs = list(module.runs.defer("live_log", "stdout", "stderr")[:RECENT_RUNS])
    context = {
        "module": module,
        "runs": runs,
        "runs_going": any(not run.is_finished for run in runs),
        "watermarks": module.watermarks.select_related("connection"),
        "hooks": module.hooks.select_related("connection"),
        "groups": module.groups.all(),
        "verification": latest_verification(module),
        "new_source_columns": new_source_columns(module, runs),
        "backfill_tokens": module.query_tokens(),
    }
    if request.htmx and request.GET.get("part") == "verification":
        return render(request, "syncs/module_detail.html#verification", context)
    if request.htmx:
        return render(request, "syncs/module_detail.html#runs", context)
    context["chart"] = history_chart(chart_runs(module))
    return render(request, "syncs/module_detail.html", context)


def new_source_columns(module, runs):
    """The columns the newest checked run found in the source query and the module does not load
    yet (a notice with "add column" for each)."""
    checked = next((run for run in runs if run.is_finished and run.resolved_sql), None)
    if checked is None:
        return []
    loaded = {c["source_name"].lower() for c in module.columns}
    return [c for c in checked.drift.get("extra", []) if c["name"].lower() not in loaded]


@permission_required(RUN)
@require_POST
def module_run(request, module_id):
    module = get_object_or_404(Module, pk=module_id)
    dry_run = request.POST.get("dry_run") == "1"
    return _start_run(request, module, dry_run=dry_run)


@permission_required(RUN)
@require_POST
def module_verify(request, module_id):
    """Start a verification in a detached process; the module page shows it as it goes."""
    module = get_object_or_404(Module, pk=module_id)
    detached.start_detached_verification(module, trigger=Trigger.MANUAL, triggered_by=request.user.username)
    return redirect(reverse("syncs:module_detail", args=[module.pk]) + "#verification")


@permission_required(RUN)
@require_POST
def module_backfill(request, module_id):
    """Start a run with the watermark values given for some of the query's tokens (a backfill)."""
    module = get_object_or_404(Module, pk=module_id)
    values = {t: request.POST[t].strip() for t in module.query_tokens() if request.POST.get(t, "").strip()}
    problem = values_problem(module, values) if values else "give a value for at least one token"
    if problem:
        messages.error(request, f"Not started: {problem}.")
        return redirect("syncs:module_detail", module.pk)
    return _start_run(request, module, backfill={"values": values})


@permission_required(RUN)
@require_POST
def module_unlock(request, module_id):
    """Clear a stale lock, as `manage.py unlock` does; a holder still running here keeps it."""
    module = get_object_or_404(Module, pk=module_id)
    try:
        holder = unlock(module, by=f"{request.user.username} on the module page")
    except ModuleLocked as exc:
        messages.error(request, f"Not unlocked: run {exc.holder_id} is still running; cancel it instead.")
        return redirect("syncs:run_detail", exc.holder_id)
    if holder is None:
        messages.info(request, f"{module.name} was not locked.")
    else:
        messages.success(
            request,
            f"Cleared the lock of {module.name} held by run {holder.pk}; that run is now {holder.status}.",
        )
    return redirect("syncs:module_detail", module.pk)


@staff_required
def run_detail(request, run_id):
    runs = RunLog.objects.select_related("module", "group_run__group", "retry_of", "retry")
    run = get_object_or_404(runs, pk=run_id)
    if request.htmx:
        return render(request, "syncs/run_detail.html#live", {"run": run})
    return render(request, "syncs/run_detail.html", {"run": run})


@permission_required(RUN)
@require_POST
def run_cancel(request, run_id):
    run = get_object_or_404(RunLog, pk=run_id)
    if not run.request_cancel():
        messages.info(request, f"Run {run.id} had already finished ({run.get_status_display()}).")
    elif run.status == Status.CANCELLED:
        messages.success(request, f"Run {run.id} was cancelled before it started.")
    else:
        messages.success(request, f"Cancel requested: run {run.id} stops within a few seconds.")
    return redirect("syncs:run_detail", run.id)


@permission_required(RUN)
@require_POST
def run_anyway(request, run_id):
    """Run once more, without the guards, the module whose run a guard refused ("Run anyway")."""
    run = get_object_or_404(RunLog.objects.select_related("module"), pk=run_id)
    if not run.refused_by_guard:
        messages.error(request, f"Not started: run {run.id} was not refused by a guard.")
        return redirect("syncs:run_detail", run.id)
    newer = run.module.runs.filter(pk__gt=run.pk).order_by("pk").first()
    if newer is not None:
        # A second click, or a run someone started since: this refusal has had its answer.
        messages.error(request, f"Not started: run {newer.pk} of {run.module.name} came after this one.")
        return redirect("syncs:run_detail", newer.pk)
    return _start_run(request, run.module, force=True)


def _start_run(request, module, **options):
    """Start a run of module by the signed-in user and show its page; when another run holds the
    module's lock, show that one's page with why nothing started."""
    try:
        run = detached.start_detached_run(
            module, trigger=Trigger.MANUAL, triggered_by=request.user.username, **options
        )
    except ModuleLocked as exc:
        messages.error(request, f"Not started: {module.name} is {exc}.")
        return redirect("syncs:run_detail", exc.holder_id)
    return redirect("syncs:run_detail", run.id)


# What a row of run history shows (syncs/run_rows.html); nothing else is read.
HISTORY_FIELDS = [
    "id",
    "module__name",
    "status",
    "error",
    "trigger",
    "triggered_by",
    "created_at",
    "started_at",
    "finished_at",
    "rows_merged",
    "load_path",
]


def day_start(day):
    """The first instant of a calendar day in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class RunFilter(forms.Form):
    module = forms.CharField(required=False, help_text="Part of a module name.")
    status = forms.ChoiceField(choices=[("", "any status"), *Status.choices], required=False)
    trigger = forms.ChoiceField(choices=[("", "any trigger"), *Trigger.choices], required=False)
    since = forms.DateField(required=False, label="from", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="to", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise forms.ValidationError("The “to” day is before the “from” day.")
        return data

    def filter(self, runs):
        """Narrow the runs by the fields (the form must be valid).

        Days are ranges of created_at in the current time zone, so an index serves them."""
        data = self.cleaned_data
        if data.get("module"):
            runs = runs.filter(module__in=Module.objects.filter(name__icontains=data["module"]))
        if data.get("status"):
            runs = runs.filter(status=data["status"])
        if data.get("trigger"):
            runs = runs.filter(Trigger.matching(data["trigger"]))
        if data.get("since"):
            runs = runs.filter(created_at__gte=day_start(data["since"]))
        if data.get("until"):
            runs = runs.filter(created_at__lt=day_start(data["until"] + timedelta(days=1)))
        return runs


def older_than(runs, before):
    """Keyset paging: the runs after run `before` in newest-first order (all runs if it is unknown)."""
    anchor = RunLog.objects.filter(pk=before).values_list("created_at", flat=True).first()
    if anchor is None:
        return runs
    return runs.filter(created_at__lte=anchor).filter(Q(created_at__lt=anchor) | Q(id__lt=before))


def filter_problems(form, before):
    """What is wrong with run history's filters, as one text; '' when nothing is."""
    problems = list(form.non_field_errors())
    for name, errors in form.errors.items():
        if name != NON_FIELD_ERRORS:
            problems.append(f"{form[name].label.capitalize()}: {' '.join(errors)}")
    if not (before == "" or before.isdigit()):
        problems.append("Before: it must be a run number.")
    return " ".join(problems)


@staff_required
def run_history(request):
    """Newest first, HISTORY_PAGE_SIZE at a time; ?before=<run id> pages on by keyset, so a deep
    page costs what the first does."""
    form = RunFilter(request.GET)
    before = request.GET.get("before", "")
    problems = filter_problems(form, before)
    if problems:
        # A list filtered by some of the fields would pass for the answer to all of them.
        context = {"form": form, "runs": [], "problems": problems}
        return render(request, "syncs/run_history.html", context, status=400)
    runs = form.filter(RunLog.objects.select_related("module").only(*HISTORY_FIELDS))
    if before:
        runs = older_than(runs, int(before))
    rows = list(runs[: HISTORY_PAGE_SIZE + 1])
    context = {
        "form": form,
        "runs": rows[:HISTORY_PAGE_SIZE],
        "older": rows[HISTORY_PAGE_SIZE - 1].id if len(rows) > HISTORY_PAGE_SIZE else None,
        "paged": bool(before),
        "filtered": any(form.cleaned_data.values()),
    }
    return render(request, "syncs/run_history.html", context)


@staff_required
def channel_list(request):
    """The notification channels; a webhook's address is a secret, so only its $NAME shows."""
    return render(request, "syncs/channel_list.html", {"channels": Channel.objects.all()})


@permission_required(CHANGE_CHANNEL)
@require_POST
def channel_test(request, channel_id):
    """Send a test notice through a channel now, once, and say how it went."""
    channel = get_object_or_404(Channel, pk=channel_id)
    outcome, sent = notify.send_test(channel)
    if sent:
        messages.success(request, f"Test notice sent through {channel.name}: {outcome}.")
    else:
        messages.error(request, f"Test notice through {channel.name} failed: {outcome}.")
    return redirect("syncs:channel_list")
