import pytest
from django.urls import reverse

from syncs.models import Hook, Module, Watermark
from tests.forms import page_form_data

QUERY = "SELECT id, total FROM orders"


def url(module):
    return reverse("syncs:module_edit", args=[module.pk])


@pytest.fixture
def module(orders_copy_module):
    return orders_copy_module


def edit(client, module, **changes):
    """The editor's form as the page shows it, with some values changed."""
    return {**page_form_data(client.get(url(module))), **changes}


def review_then_save(client, module, data):
    """Post the edit, check that it is shown for review and not yet saved, then save it."""
    before = Module.objects.get(pk=module.pk).updated_at
    review = client.post(url(module), data)
    assert review.status_code == 200, review.context["form"].errors
    assert review.context["changes"], "no changes were shown for review"
    assert Module.objects.get(pk=module.pk).updated_at == before
    saved = client.post(url(module), {**data, "confirm": review.context["digest"]})
    assert saved.status_code == 302, saved.context["form"].errors
    assert saved["Location"] == reverse("syncs:module_detail", args=[module.pk])
    module.refresh_from_db()
    return review


def test_viewers_and_operators_may_not_edit(viewer_client, operator_client, module):
    for client in (viewer_client, operator_client):
        response = client.get(url(module))
        assert response.status_code == 403
        assert "needs the editor role" in response.content.decode()


def test_it_shows_the_module_as_it_is(staff_client, module):
    response = staff_client.get(url(module))
    page = response.content.decode()
    assert response.status_code == 200
    assert QUERY in page
    assert 'value="public.orders_copy"' in page
    assert 'value="numeric(12,2)"' in page
    assert (
        f'href="{url(module)}"'
        in staff_client.get(reverse("syncs:module_detail", args=[module.pk])).content.decode()
    )


def test_a_new_merge_key_and_query_are_reviewed_then_saved(staff_client, module):
    query = "SELECT id, total FROM orders WHERE total IS NOT NULL"
    data = edit(staff_client, module, strategy="incremental", merge_key="id", source_query=query)
    review = review_then_save(staff_client, module, data)
    shown = {(c["what"], c["old"], c["new"]) for c in review.context["changes"]}
    assert ("Merge key", "—", "id") in shown
    assert ("Strategy", "full", "incremental") in shown
    assert ("Source query", QUERY, query) in shown
    assert (module.strategy, module.merge_key, module.source_query) == ("incremental", ["id"], query)


def test_save_stores_only_what_was_reviewed(staff_client, module):
    data = edit(staff_client, module, description="first")
    review = staff_client.post(url(module), data)
    changed = {**data, "description": "second", "confirm": review.context["digest"]}
    response = staff_client.post(url(module), changed)
    assert response.status_code == 200
    assert [c["new"] for c in response.context["changes"]] == ["second"]
    module.refresh_from_db()
    assert module.description == ""


def test_a_query_that_does_not_run_is_refused(staff_client, module):
    response = staff_client.post(
        url(module), edit(staff_client, module, source_query="SELECT id, total FROM nowhere")
    )
    assert "erp: " in response.context["form"].errors["source_query"][0]
    assert "nowhere" in response.context["form"].errors["source_query"][0]
    assert "changes" not in response.context


def test_a_query_returning_more_columns_than_the_grid_is_refused(staff_client, module):
    data = edit(staff_client, module, source_query='SELECT id, total, "Customer" FROM orders')
    response = staff_client.post(url(module), data)
    assert response.context["form"].errors["source_query"] == [
        "The query returns 3 columns but the grid has 2; rows load by position, so they must match."
    ]


def test_a_token_without_a_watermark_is_refused(staff_client, module):
    data = edit(staff_client, module, source_query="SELECT id, total FROM orders WHERE id > {last}")
    response = staff_client.post(url(module), data)
    assert response.context["form"].errors["source_query"] == [
        "The query uses {last} but no watermark has that name."
    ]


def test_an_incremental_module_needs_a_merge_key_of_its_columns(staff_client, module):
    response = staff_client.post(
        url(module), edit(staff_client, module, strategy="incremental", merge_key="nope")
    )
    assert response.context["form"].errors["merge_key"] == ["Not a destination column: nope."]


def test_a_renamed_column_the_table_lacks_shows_the_differences(staff_client, module):
    data = edit(staff_client, module, **{"columns-1-dest_name": "amount"})
    response = staff_client.post(url(module), data)
    assert response.context["differences"] == [
        {"dest_name": "amount", "dest_type": "numeric(12,2)", "table_type": None}
    ]
    assert "changes" not in response.context


def test_a_new_table_is_created_at_save(staff_client, module, erp_to_dw):
    data = edit(staff_client, module, dest_table="public.orders_new")
    review = review_then_save(staff_client, module, data)
    assert ("Destination table", "does not exist", "created on dw") in {
        (c["what"], c["old"], c["new"]) for c in review.context["changes"]
    }
    assert erp_to_dw.dest_db.rows("SELECT to_regclass('public.orders_new')::text") == [("orders_new",)]
    assert module.dest_table == "public.orders_new"


def test_a_column_left_out_keeps_its_id_and_the_others_keep_theirs(staff_client, module):
    data = edit(staff_client, module, source_query="SELECT total FROM orders")
    del data["columns-0-include"]
    review_then_save(staff_client, module, data)
    assert [(c["id"], c["dest_name"]) for c in module.columns] == [("c2", "total")]


def test_re_reading_the_query_adds_its_new_column_to_the_grid(staff_client, module):
    data = edit(staff_client, module, source_query='SELECT id, total, "Customer" FROM orders', reread="1")
    response = staff_client.post(url(module), data)
    grid = response.context["columns"].initial
    assert [(c["id"], c["dest_name"], c["dest_type"]) for c in grid] == [
        ("c1", "id", "integer"),
        ("c2", "total", "numeric(12,2)"),
        ("", "customer", "varchar(80)"),
    ]
    assert "Read 3 columns from the query: 1 new." in response.content.decode()
    module.refresh_from_db()
    assert len(module.columns) == 2


def test_watermarks_and_hooks_are_added_changed_and_removed(staff_client, module):
    hook = Hook.objects.create(module=module, name="old", sql="SELECT 1")
    data = edit(
        staff_client,
        module,
        source_query="SELECT id, total FROM orders WHERE id > {last}",
        **{
            "watermarks-TOTAL_FORMS": "1",
            "watermarks-0-name": "last",
            "watermarks-0-resolver_sql": "SELECT max(id) FROM public.orders_copy",
            "watermarks-0-default_value": "0",
            "hooks-TOTAL_FORMS": "2",
            "hooks-0-DELETE": "on",
            "hooks-1-name": "analyze",
            "hooks-1-sql": "ANALYZE public.orders_copy",
            "hooks-1-run_order": "1",
            "hooks-1-run_on": "success",
            "hooks-1-enabled": "on",
        },
    )
    review = review_then_save(staff_client, module, data)
    shown = {(c["what"], c["new"]) for c in review.context["changes"]}
    assert {("Watermark last", "added"), ("Hook old", "removed"), ("Hook analyze", "added")} <= shown
    assert list(Watermark.objects.filter(module=module).values_list("name", "default_value")) == [
        ("last", "0")
    ]
    assert list(Hook.objects.filter(module=module).values_list("name", flat=True)) == ["analyze"]
    assert not Hook.objects.filter(pk=hook.pk).exists()


def test_another_module_loading_the_same_table_is_named(staff_client, module, make_module, erp_to_dw):
    make_module(
        erp_to_dw.source,
        erp_to_dw.dest,
        name="orders_again",
        columns=[("id", "integer")],
        source_query="SELECT id FROM orders",
        dest_table="ORDERS_COPY",
    )
    page = staff_client.get(url(module)).content.decode()
    assert "Another module loads this table" in page
    assert "orders_again</a> loads" in page
    response = staff_client.post(url(module), edit(staff_client, module, description="x"))
    assert [m.name for m in response.context["sharing"]] == ["orders_again"]


def test_a_running_module_is_not_saved(staff_client, module):
    from syncs.models import RunLog

    data = edit(staff_client, module, enabled="")
    del data["enabled"]
    review = staff_client.post(url(module), data)
    run = RunLog.objects.create(module=module, trigger="manual", status="running")
    Module.objects.filter(pk=module.pk).update(running_run=run)
    response = staff_client.post(url(module), {**data, "confirm": review.context["digest"]})
    assert response.context["form"].non_field_errors() == [
        f"orders is running (run {run.pk}); save after it ends."
    ]
    module.refresh_from_db()
    assert module.enabled


def test_an_edit_made_meanwhile_by_someone_else_is_not_overwritten(staff_client, module):
    data = edit(staff_client, module, description="mine")
    review = staff_client.post(url(module), data)
    Module.objects.filter(pk=module.pk).update(
        description="theirs", updated_at=module.updated_at.replace(year=2030)
    )
    response = staff_client.post(url(module), {**data, "confirm": review.context["digest"]})
    assert response.status_code == 200
    module.refresh_from_db()
    assert module.description == "theirs"
    assert [(c["old"], c["new"]) for c in response.context["changes"]] == [("theirs", "mine")]


def test_the_timeout_and_retries_are_reviewed_then_saved(staff_client, module):
    data = edit(staff_client, module, timeout="600", retries="2", retry_delay="30")

    review = review_then_save(staff_client, module, data)

    assert [row["what"] for row in review.context["changes"]] == ["Timeout", "Retries", "Retry delay"]
    assert (module.timeout, module.retries, module.retry_delay) == (600, 2, 30)
