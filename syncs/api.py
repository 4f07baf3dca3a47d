"""JSON API for modules and runs (HTTP Basic, staff only: see pipekit_site.api.api_view).

Connections appear by name only: no response carries a password or secret reference."""

from django.core.paginator import EmptyPage, Paginator
from django.http import JsonResponse
from django.urls import reverse

from pipekit_site.api import api_view, find, json_error, read_flags
from pipekit_site.auth import RUN
from syncs import detached
from syncs.locks import ModuleLocked
from syncs.models import Module, RunLog, Trigger, Verification
from syncs.summaries import LONG_FIELDS, latest_runs, outcomes
from syncs.verify import latest_verification

RECENT_RUNS = 20
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def run_summary(run):
    return {
        "id": run.id,
        "url": reverse("syncs:api_run_detail", args=[run.id]),
        "status": run.status,
        "dry_run": run.dry_run,
        "trigger": run.trigger,
        "triggered_by": run.triggered_by,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_seconds": run.duration.total_seconds() if run.duration is not None else None,
        "rows_read": run.rows_read,
        "rows_staged": run.rows_staged,
        "rows_deleted": run.rows_deleted,
        "rows_merged": run.rows_merged,
        "rows_marked": run.rows_marked,
        "forced": run.forced,
    }


def run_data(run):
    return {
        **run_summary(run),
        "module": {"id": run.module_id, "name": run.module.name},
        "group_run_id": run.group_run_id,
        "finished": run.is_finished,
        "cancel_requested": run.cancel_requested,
        "load_path": run.load_path,
        "watermark_values": run.watermark_values,
        "backfill": run.backfill,
        "drift": run.drift,
        "resolved_sql": run.resolved_sql,
        "merge_sql": run.merge_sql,
        "hook_results": run.hook_results,
        "error": run.error,
        "refused_by_guard": run.refused_by_guard,
        "live_log": run.live_log,
    }


def verification_data(verification):
    return {
        "id": verification.id,
        "url": reverse("syncs:api_verification_detail", args=[verification.id]),
        "module": {"id": verification.module_id, "name": verification.module.name},
        "status": verification.status,
        "finished": verification.is_finished,
        "trigger": verification.trigger,
        "triggered_by": verification.triggered_by,
        "created_at": verification.created_at,
        "started_at": verification.started_at,
        "finished_at": verification.finished_at,
        "source_rows": verification.source_rows,
        "dest_rows": verification.dest_rows,
        "matched": verification.matched,
        "only_in_source": verification.only_in_source,
        "only_in_dest": verification.only_in_dest,
        "different": verification.different,
        "first_keys": verification.first_keys,
        "different_columns": verification.different_columns,
        "error": verification.error,
    }


def module_summary(module, last_run):
    return {
        "id": module.id,
        "name": module.name,
        "url": reverse("syncs:api_module_detail", args=[module.id]),
        "description": module.description,
        "enabled": module.enabled,
        "source": module.source.name,
        "dest": module.dest.name,
        "dest_table": module.dest_table,
        "strategy": module.strategy,
        "merge_key": module.merge_key,
        "groups": [group.name for group in module.groups.all()],
        "running_run_id": module.running_run_id,
        "last_run": run_summary(last_run) if last_run else None,
    }


def read_paging(request):
    """Return (page, limit, None) from ?page and ?limit, or (None, None, error response)."""
    page, limit = request.GET.get("page", "1"), request.GET.get("limit", str(DEFAULT_LIMIT))
    if not page.isdigit() or int(page) < 1:
        return None, None, json_error(400, f"page must be a whole number from 1, not {page!r}.")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        return (
            None,
            None,
            json_error(400, f"limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}."),
        )
    return int(page), int(limit), None


@api_view("GET")
def module_list(request):
    """One page of modules by name (?page=1&limit=100, at most 500), with the page's links."""
    number, limit, error = read_paging(request)
    if error:
        return error
    modules = Module.objects.select_related("source", "dest").prefetch_related("groups")
    paginator = Paginator(modules, limit)
    try:
        page = paginator.page(number)
    except EmptyPage:
        return json_error(404, f"No page {number}: there are {paginator.num_pages} of {limit}.")
    latest = latest_runs(RunLog.objects.defer(*LONG_FIELDS), "module", [m.id for m in page])
    url = reverse("syncs:api_module_list")
    return JsonResponse(
        {
            "modules": [module_summary(m, latest.get(m.id)) for m in page],
            "count": paginator.count,
            "page": number,
            "pages": paginator.num_pages,
            "next": f"{url}?page={number + 1}&limit={limit}" if page.has_next() else None,
        }
    )


@api_view("GET")
def module_detail(request, module_id):
    module = find(Module.objects.select_related("source", "dest"), module_id, "module")
    runs = list(module.runs.defer(*LONG_FIELDS)[:RECENT_RUNS])
    verification = latest_verification(module)
    data = module_summary(module, outcomes(module.runs.defer(*LONG_FIELDS)).first())
    data.update(
        source_query=module.source_query,
        columns=module.columns,
        watermarks=[
            {
                "name": w.name,
                "resolver_sql": w.resolver_sql,
                "connection": w.resolver_connection().name,
                "default_value": w.default_value,
            }
            for w in module.watermarks.select_related("connection")
        ],
        hooks=[
            {
                "name": h.name,
                "sql": h.sql,
                "run_order": h.run_order,
                "run_on": h.run_on,
                "connection": h.target_connection().name,
                "enabled": h.enabled,
            }
            for h in module.hooks.select_related("connection")
        ],
        recent_runs=[run_summary(run) for run in runs],
        last_verification=verification_data(verification) if verification else None,
    )
    return JsonResponse(data)


@api_view("POST", permission=RUN)
def module_run(request, module_id):
    module = find(Module.objects, module_id, "module")
    flags, error = read_flags(request, ("dry_run", "force"))
    if error:
        return error
    try:
        run = detached.start_detached_run(
            module, trigger=Trigger.API, triggered_by=request.user.username, **flags
        )
    except ModuleLocked as exc:
        return JsonResponse(
            {"error": f"Not started: {module.name} is {exc}.", "run_id": exc.holder_id}, status=409
        )
    url = reverse("syncs:api_run_detail", args=[run.id])
    return JsonResponse({"run_id": run.id, "status": run.status, "url": url}, status=202)


@api_view("POST", permission=RUN)
def module_verify(request, module_id):
    module = find(Module.objects, module_id, "module")
    verification = detached.start_detached_verification(
        module, trigger=Trigger.API, triggered_by=request.user.username
    )
    url = reverse("syncs:api_verification_detail", args=[verification.id])
    return JsonResponse(
        {"verification_id": verification.id, "status": verification.status, "url": url}, status=202
    )


@api_view("GET")
def verification_detail(request, verification_id):
    verification = find(Verification.objects.select_related("module"), verification_id, "verification")
    return JsonResponse(verification_data(verification))


@api_view("GET")
def run_detail(request, run_id):
    return JsonResponse(run_data(find(RunLog.objects.select_related("module"), run_id, "run")))


@api_view("POST", permission=RUN)
def run_cancel(request, run_id):
    run = find(RunLog.objects.select_related("module"), run_id, "run")
    if not run.request_cancel():
        return json_error(409, f"Run {run.id} has already finished ({run.status}).")
    return JsonResponse(run_data(run), status=202)
