import pytest
from django.urls import reverse

from connections.models import Connection
from syncs.models import Hook, Module, RunLog, Status, Verification, Watermark
from tests.history import queries


@pytest.fixture
def dw(drivers):
    return Connection.objects.create(name="dw", driver=drivers["postgres"], jdbc_url="jdbc:postgresql:dw")


@pytest.fixture
def orders(dw):
    module = Module.objects.create(
        name="orders",
        source=dw,
        dest=dw,
        source_query="SELECT id FROM orders WHERE id > {last_id}",
        dest_table="public.orders",
        columns=[
            {
                "id": "c1",
                "source_name": "id",
                "source_type": "",
                "dest_name": "id",
                "dest_type": "bigint",
                "description": "",
            }
        ],
    )
    Watermark.objects.create(module=module, name="last_id", resolver_sql="SELECT max(id) FROM public.orders")
    Hook.objects.create(module=module, name="analyze_orders", sql="ANALYZE public.orders")
    return module


@pytest.fixture
def runs(orders):
    return {
        status: RunLog.objects.create(module=orders, status=status, trigger=trigger, error=error)
        for status, trigger, error in [
            (Status.SUCCESS, "manual", ""),
            (Status.ERROR, "schedule:1", "relation public.orders does not exist"),
            (Status.RUNNING, "api", ""),
        ]
    }


def inline_form(prefix, total=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def module_form(dw, **fields):
    data = {
        "name": "lines",
        "source": dw.pk,
        "dest": dw.pk,
        "source_query": "SELECT 1 AS id",
        "dest_table": "public.lines",
        "strategy": "full",
        "full_refresh_clear": "delete",
        "delete_missing": "none",
        "max_delete_pct": "10",
        "retries": "0",
        "retry_delay": "60",
        "merge_key": "[]",
        "columns": '[{"id": "c1", "source_name": "id", "dest_name": "id", "dest_type": "bigint"}]',
        "enabled": "on",
        **inline_form("watermarks"),
        **inline_form("hooks"),
    }
    return data | fields


def test_the_module_list_shows_each_module(admin_client, orders):
    page = admin_client.get(reverse("admin:syncs_module_changelist"))
    assert page.status_code == 200
    assert "orders" in page.content.decode()
    assert "public.orders" in page.content.decode()


def test_the_module_page_has_its_watermarks_and_hooks_inline(admin_client, orders):
    page = admin_client.get(reverse("admin:syncs_module_change", args=[orders.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="watermarks-TOTAL_FORMS"' in html and 'name="hooks-TOTAL_FORMS"' in html
    assert "SELECT max(id) FROM public.orders" in html
    assert "analyze_orders" in html


def test_the_add_module_form_renders(admin_client, dw):
    page = admin_client.get(reverse("admin:syncs_module_add"))
    assert page.status_code == 200
    assert "Watermarks" in page.content.decode() and "Hooks" in page.content.decode()


def test_a_module_is_added_with_a_watermark(admin_client, dw):
    data = module_form(dw) | inline_form("watermarks", 1)
    data |= {"watermarks-0-name": "since", "watermarks-0-resolver_sql": "SELECT now()"}
    response = admin_client.post(reverse("admin:syncs_module_add"), data)
    assert response.status_code == 302
    module = Module.objects.get(name="lines")
    assert [w.name for w in module.watermarks.all()] == ["since"]


def test_an_incremental_module_without_a_merge_key_is_refused_with_the_reason(admin_client, dw):
    response = admin_client.post(reverse("admin:syncs_module_add"), module_form(dw, strategy="incremental"))
    assert response.status_code == 200
    assert "An incremental module needs a merge key." in response.content.decode()
    assert not Module.objects.exists()


def test_a_module_name_that_is_not_an_identifier_is_refused(admin_client, dw):
    response = admin_client.post(reverse("admin:syncs_module_add"), module_form(dw, name="order lines"))
    assert "Must be a plain SQL identifier" in response.content.decode()
    assert not Module.objects.exists()


def test_columns_and_merge_key_are_read_only_with_a_link_to_the_module_editor(admin_client, orders):
    url = reverse("admin:syncs_module_change", args=[orders.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="columns"' not in html and 'name="merge_key"' not in html
    assert f'href="{reverse("syncs:module_edit", args=[orders.pk])}"' in html
    columns = '[{"id": "c1", "source_name": "id", "dest_name": "id", "dest_type": "bigint); DROP TABLE x"}]'
    data = module_form(orders.dest, name="orders", columns=columns, merge_key='["x"]')
    assert admin_client.post(url, data).status_code == 302
    orders.refresh_from_db()
    assert orders.columns[0]["dest_type"] == "bigint"
    assert orders.merge_key == []


def test_modules_are_disabled_in_bulk_with_a_message(admin_client, orders):
    response = admin_client.post(
        reverse("admin:syncs_module_changelist"),
        {"action": "disable", "_selected_action": [orders.pk]},
        follow=True,
    )
    assert "1 module(s) disabled." in response.content.decode()
    orders.refresh_from_db()
    assert orders.enabled is False


def test_the_run_log_list_has_filters_by_status_trigger_and_date_and_a_module_search(admin_client, runs, dw):
    other = Module.objects.create(
        name="lines", source=dw, dest=dw, source_query="SELECT 1", dest_table="lines"
    )
    RunLog.objects.create(module=other, status=Status.SUCCESS)
    page = admin_client.get(reverse("admin:syncs_runlog_changelist"))
    html = page.content.decode()
    assert page.status_code == 200
    for heading in ["By status", "By trigger", "By created at"]:
        assert heading in html
    filtered = admin_client.get(reverse("admin:syncs_runlog_changelist"), {"status__exact": "error"})
    assert list(filtered.context["cl"].result_list) == [runs[Status.ERROR]]
    by_module = admin_client.get(reverse("admin:syncs_runlog_changelist"), {"q": "lin"})
    assert [r.module for r in by_module.context["cl"].result_list] == [other]
    by_trigger = admin_client.get(reverse("admin:syncs_runlog_changelist"), {"trigger": "api"})
    assert list(by_trigger.context["cl"].result_list) == [runs[Status.RUNNING]]


def test_a_run_log_is_shown_read_only(admin_client, runs):
    run = runs[Status.ERROR]
    url = reverse("admin:syncs_runlog_change", args=[run.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "relation public.orders does not exist" in html
    assert 'name="_save"' not in html
    assert admin_client.post(url, {"status": "success"}).status_code == 403
    run.refresh_from_db()
    assert run.status == Status.ERROR


def test_verifications_are_listed_and_shown_read_only(admin_client, orders):
    verification = Verification.objects.create(
        module=orders, status=Status.ERROR, error="the destination differs: 1 different", matched=9
    )
    listed = admin_client.get(reverse("admin:syncs_verification_changelist"))
    url = reverse("admin:syncs_verification_change", args=[verification.pk])
    html = admin_client.get(url).content.decode()

    assert list(listed.context["cl"].result_list) == [verification]
    assert "the destination differs: 1 different" in html
    assert 'name="_save"' not in html
    assert admin_client.get(reverse("admin:syncs_verification_add")).status_code == 403


def test_run_logs_cannot_be_added_by_hand(admin_client, runs):
    assert admin_client.get(reverse("admin:syncs_runlog_add")).status_code == 403


def test_the_failed_runs_list_shows_only_failed_runs(admin_client, runs):
    page = admin_client.get(reverse("admin:syncs_failedrun_changelist"))
    assert page.status_code == 200
    assert [r.pk for r in page.context["cl"].result_list] == [runs[Status.ERROR].pk]
    assert "Failed runs" in page.content.decode()


def test_watermark_and_hook_lists_render(admin_client, orders):
    assert "orders.last_id" in admin_client.get(reverse("admin:syncs_watermark_changelist")).content.decode()
    assert (
        "orders.analyze_orders" in admin_client.get(reverse("admin:syncs_hook_changelist")).content.decode()
    )


@pytest.mark.parametrize("model", ["runlog", "failedrun", "module"])
def test_a_list_takes_as_many_queries_however_many_rows(admin_client, history, model):
    url = reverse(f"admin:syncs_{model}_changelist")
    history(modules=2)
    few = queries(admin_client, url)
    history(modules=60, runs_per_module=3)
    assert queries(admin_client, url) == few


def test_the_run_log_list_counts_no_further_than_its_cap(admin_client, history, monkeypatch):
    monkeypatch.setattr("syncs.admin.COUNT_CAP", 30)
    history(modules=20, runs_per_module=3)
    listing = admin_client.get(reverse("admin:syncs_runlog_changelist"))
    assert listing.context["cl"].result_count == 31


def test_a_run_search_matching_many_modules_lists_the_runs_of_the_first_few_and_says_so(
    admin_client, history, monkeypatch
):
    monkeypatch.setattr("syncs.admin.SEARCH_MODULES", 3)
    history(modules=5, runs_per_module=2)
    names = sorted(Module.objects.values_list("name", flat=True))
    prefix = names[0][:-1]
    assert all(name.startswith(prefix) for name in names)

    listing = admin_client.get(reverse("admin:syncs_runlog_changelist"), {"q": prefix})

    assert {run.module.name for run in listing.context["cl"].result_list} == set(names[:3])
    assert f"More than 3 modules start with “{prefix}”" in listing.content.decode()
