from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from pipekit_site.auth import staff_required
from syncs import detached
from syncs.locks import ModuleLocked
from syncs.models import Module, RunLog, Status, Trigger
from syncs.summaries import last_runs, recent_successes
from syncs.trends import trend_svg

TREND_RUNS = 20
RECENT_RUNS = 20
HISTORY_PAGE_SIZE = 50


def _with_summaries(modules):
    """Give each module its latest run (`last_run`) and its trend picture (`trend`)."""
    modules = list(modules)
    ids = [m.id for m in modules]
    latest = last_runs(ids)
    successes = recent_successes(ids, TREND_RUNS)
    for module in modules:
        module.last_run = latest.get(module.id)
        module.trend = trend_svg(successes.get(module.id, []))
    return modules


@staff_required
def module_list(request):
    modules = Module.objects.prefetch_related("groups")
    row_of = request.GET.get("module", "")
    if request.htmx and row_of.isdigit():
        # A running module's row polls for itself until its run ends.
        module = get_object_or_404(modules, pk=row_of)
        return render(request, "syncs/module_list.html#row", {"module": _with_summaries([module])[0]})
    return render(request, "syncs/module_list.html", {"modules": _with_summaries(modules)})


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
    }
    if request.htmx:
        return render(request, "syncs/module_detail.html#runs", context)
    return render(request, "syncs/module_detail.html", context)


@staff_required
@require_POST
def module_run(request, module_id):
    module = get_object_or_404(Module, pk=module_id)
    dry_run = request.POST.get("dry_run") == "1"
    try:
        run = detached.start_detached_run(
            module, trigger=Trigger.MANUAL, triggered_by=request.user.username, dry_run=dry_run
        )
    except ModuleLocked as exc:
        messages.error(request, f"Not started: {module.name} is {exc}.")
        return redirect("syncs:run_detail", exc.holder_id)
    return redirect("syncs:run_detail", run.id)


@staff_required
def run_detail(request, run_id):
    run = get_object_or_404(RunLog.objects.select_related("module", "group_run__group"), pk=run_id)
    if request.htmx:
        return render(request, "syncs/run_detail.html#live", {"run": run})
    return render(request, "syncs/run_detail.html", {"run": run})


@staff_required
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


class RunFilter(forms.Form):
    module = forms.ModelChoiceField(Module.objects.all(), required=False, empty_label="all modules")
    status = forms.ChoiceField(choices=[("", "any status"), *Status.choices], required=False)
    trigger = forms.ChoiceField(choices=[("", "any trigger"), *Trigger.choices], required=False)
    since = forms.DateField(required=False, label="from", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="to", widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, runs):
        """Narrow the runs by the fields that are valid; an invalid field is ignored (and shown)."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("module"):
            runs = runs.filter(module=data["module"])
        if data.get("status"):
            runs = runs.filter(status=data["status"])
        if data.get("trigger"):
            runs = runs.filter(Trigger.matching(data["trigger"]))
        if data.get("since"):
            runs = runs.filter(created_at__date__gte=data["since"])
        if data.get("until"):
            runs = runs.filter(created_at__date__lte=data["until"])
        return runs


@staff_required
def run_history(request):
    form = RunFilter(request.GET)
    runs = form.filter(RunLog.objects.select_related("module").defer("live_log", "stdout", "stderr"))
    page = Paginator(runs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "syncs/run_history.html", {"form": form, "page": page})
