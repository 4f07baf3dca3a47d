import pytest
from django.urls import reverse

from syncs.models import Module, Watermark
from syncs.wizard import DRAFT

URL = reverse("syncs:wizard_create")
QUERY = 'SELECT id, "Customer" AS customer, total FROM orders'


@pytest.fixture
def draft(staff_client, erp_to_dw):
    """Start the wizard with Write SQL on QUERY; return the draft columns."""
    sql_url = f"{reverse('syncs:wizard_sql')}?source={erp_to_dw.source.pk}&dest={erp_to_dw.dest.pk}"
    assert staff_client.post(sql_url, {"source_query": QUERY}).status_code == 302
    return staff_client.session[DRAFT]["columns"]


def form_data(pair, columns, watermarks=(), **fields):
    data = {
        "name": "orders",
        "description": "",
        "dest": pair.dest.pk,
        "dest_table": "public.orders",
        "source_query": QUERY,
        "strategy": "full",
        "merge_key": "",
        "columns-TOTAL_FORMS": len(columns),
        "columns-INITIAL_FORMS": len(columns),
        "watermarks-TOTAL_FORMS": len(watermarks),
        "watermarks-INITIAL_FORMS": 0,
        **fields,
    }
    for i, column in enumerate(columns):
        for key in ("source_name", "source_type", "dest_name", "dest_type", "description"):
            data[f"columns-{i}-{key}"] = column[key]
    for i, watermark in enumerate(watermarks):
        for key, value in watermark.items():
            data[f"watermarks-{i}-{key}"] = value
    return data


def dest_columns(db, table="orders"):
    return db.rows(
        "SELECT column_name, data_type, col_description(%s::regclass, ordinal_position) "
        "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [f"public.{table}", table],
    )


def table_exists(db, table="public.orders"):
    return db.rows("SELECT to_regclass(%s)", [table]) != [(None,)]


def test_without_a_draft_it_goes_back_to_the_start(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("syncs:wizard_start")


def test_it_offers_the_draft_with_destinations_of_the_same_kind(
    staff_client, erp_to_dw, draft, maria_db, make_connection
):
    make_connection(maria_db, name="mart")
    response = staff_client.get(URL)
    page = response.content.decode()
    assert f'<option value="{erp_to_dw.dest.pk}" selected>dw</option>' in page
    assert [c.name for c in response.context["form"].fields["dest"].queryset] == ["dw", "erp"]
    assert QUERY.replace('"', "&quot;") in page
    assert 'value="varchar(80)"' in page
    assert response.context["form"]["merge_key"].value() == ""
    assert "PostgreSQL connections: the column types below are PostgreSQL types." in page


def test_create_makes_the_table_saves_the_module_and_lands_on_its_page(staff_client, erp_to_dw, draft):
    draft[1]["description"] = "Who ordered"
    draft[2]["dest_type"] = "numeric(14,2)"
    query = QUERY + " WHERE updated_at >= '{since}'"
    watermark = {
        "name": "since",
        "resolver_sql": "SELECT max(updated_at) FROM public.orders",
        "default_value": "2000-01-01",
    }

    response = staff_client.post(
        URL,
        form_data(erp_to_dw, draft, [watermark], source_query=query, strategy="incremental", merge_key="id"),
    )

    module = Module.objects.get(name="orders")
    assert response.status_code == 302
    assert response["Location"] == reverse("syncs:module_detail", args=[module.pk])
    assert dest_columns(erp_to_dw.dest_db) == [
        ("id", "integer", None),
        ("customer", "character varying", "Who ordered"),
        ("total", "numeric", None),
    ]
    assert (module.source, module.dest, module.dest_table) == (
        erp_to_dw.source,
        erp_to_dw.dest,
        "public.orders",
    )
    assert module.source_query == query
    assert (module.strategy, module.merge_key) == ("incremental", ["id"])
    assert [(c["id"], c["dest_name"], c["dest_type"]) for c in module.columns] == [
        ("c1", "id", "integer"),
        ("c2", "customer", "varchar(80)"),
        ("c3", "total", "numeric(14,2)"),
    ]
    saved = Watermark.objects.get(module=module)
    assert (saved.name, saved.default_value, saved.connection) == ("since", "2000-01-01", None)
    assert DRAFT not in staff_client.session


def test_a_token_without_a_watermark_is_refused_before_anything_is_made(staff_client, erp_to_dw, draft):
    response = staff_client.post(
        URL, form_data(erp_to_dw, draft, source_query=QUERY + " WHERE id > {last_id}")
    )

    assert response.status_code == 200
    assert "The query uses {last_id} but no watermark has that name." in response.content.decode()
    assert not Module.objects.exists()
    assert not table_exists(erp_to_dw.dest_db)


def test_a_query_that_no_longer_fits_the_grid_is_refused(staff_client, erp_to_dw, draft):
    response = staff_client.post(
        URL, form_data(erp_to_dw, draft, source_query="SELECT id, total FROM orders")
    )

    assert "The query returns 2 columns but the grid has 3" in response.content.decode()
    assert not Module.objects.exists()
    assert not table_exists(erp_to_dw.dest_db)


def test_a_failing_query_shows_the_databases_message(staff_client, erp_to_dw, draft):
    response = staff_client.post(URL, form_data(erp_to_dw, draft, source_query="SELECT id, x, y FROM orders"))

    page = response.content.decode()
    assert "erp:" in page and "does not exist" in page
    assert not Module.objects.exists()


def test_an_incremental_module_needs_a_key_that_is_a_grid_column(staff_client, erp_to_dw, draft):
    page = staff_client.post(URL, form_data(erp_to_dw, draft, strategy="incremental")).content.decode()
    assert "An incremental module needs a merge key." in page

    page = staff_client.post(
        URL, form_data(erp_to_dw, draft, strategy="incremental", merge_key="nope")
    ).content.decode()
    assert "Not a destination column: nope." in page
    assert not Module.objects.exists()


def test_an_existing_table_that_fits_is_used_as_it_is(staff_client, erp_to_dw, draft):
    erp_to_dw.dest_db.execute(
        "CREATE TABLE public.orders (id integer, customer varchar(80), total numeric(12,2), "
        "loaded_at timestamp DEFAULT now()); INSERT INTO public.orders (id) VALUES (42)"
    )

    response = staff_client.post(URL, form_data(erp_to_dw, draft), follow=True)

    assert Module.objects.filter(name="orders").exists()
    assert erp_to_dw.dest_db.rows("SELECT id FROM public.orders") == [(42,)]
    assert "Its other columns (loaded_at) are left to their defaults." in response.content.decode()


def test_an_existing_table_that_differs_is_shown_and_its_types_can_be_taken(staff_client, erp_to_dw, draft):
    erp_to_dw.dest_db.execute("CREATE TABLE public.orders (id bigint, customer text, total numeric(12,2))")

    response = staff_client.post(URL, form_data(erp_to_dw, draft))

    page = response.content.decode()
    assert "public.orders already exists on dw and does not fit the grid" in page
    assert [(d["dest_name"], d["dest_type"], d["table_type"]) for d in response.context["differences"]] == [
        ("id", "integer", "bigint"),
        ("customer", "varchar(80)", "text"),
    ]
    assert not Module.objects.exists()

    response = staff_client.post(URL, form_data(erp_to_dw, draft, adopt="1"))

    taken = response.context["columns"].initial
    assert [c["dest_type"] for c in taken] == ["bigint", "text", "numeric(12,2)"]
    assert not Module.objects.exists()

    response = staff_client.post(URL, form_data(erp_to_dw, taken))

    assert response.status_code == 302
    assert [c["dest_type"] for c in Module.objects.get(name="orders").columns] == [
        "bigint",
        "text",
        "numeric(12,2)",
    ]


def test_an_existing_table_without_a_grid_column_cannot_be_taken_as_it_is(staff_client, erp_to_dw, draft):
    erp_to_dw.dest_db.execute("CREATE TABLE public.orders (id integer, total numeric(12,2))")

    response = staff_client.post(URL, form_data(erp_to_dw, draft, adopt="1"))

    page = response.content.decode()
    assert "<strong>no such column</strong>" in page
    assert "Use the table&#x27;s types" not in page
    assert not Module.objects.exists()


def test_a_refused_create_table_saves_no_module(staff_client, erp_to_dw, draft):
    draft[2]["dest_type"] = "no_such_type"

    response = staff_client.post(URL, form_data(erp_to_dw, draft))

    page = response.content.decode()
    assert "dw could not create public.orders" in page
    assert "no_such_type" in page
    assert not Module.objects.exists()
    assert not Watermark.objects.exists()
    assert not table_exists(erp_to_dw.dest_db)


def test_it_creates_a_mariadb_table_with_its_comments(staff_client, erp_to_dw, maria_db, make_connection):
    mart = make_connection(maria_db, name="mart")
    sql_url = f"{reverse('syncs:wizard_sql')}?source={erp_to_dw.source.pk}&dest={mart.pk}"
    staff_client.post(sql_url, {"source_query": QUERY})
    columns = staff_client.session[DRAFT]["columns"]
    columns[1]["description"] = "Who ordered"

    response = staff_client.post(URL, form_data(erp_to_dw, columns, dest=mart.pk, dest_table="orders"))

    assert response.status_code == 302
    assert maria_db.rows(
        "SELECT COLUMN_NAME, COLUMN_TYPE, COLUMN_COMMENT FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION"
    ) == [("id", "int(11)", ""), ("customer", "varchar(80)", "Who ordered"), ("total", "decimal(12,2)", "")]
    assert Module.objects.get(name="orders").dest == mart


def test_an_unreadable_table_name_is_refused(staff_client, erp_to_dw, draft):
    response = staff_client.post(URL, form_data(erp_to_dw, draft, dest_table='public."orders'))

    assert "Write it as schema.table or table: unbalanced quotes" in response.content.decode()
    assert not Module.objects.exists()


def test_two_watermarks_with_one_name_are_refused(staff_client, erp_to_dw, draft):
    watermark = {"name": "since", "resolver_sql": "SELECT 1", "default_value": ""}

    response = staff_client.post(
        URL,
        form_data(
            erp_to_dw, draft, [watermark, watermark], source_query=QUERY + " WHERE updated_at >= '{since}'"
        ),
    )

    assert response.status_code == 200
    assert "Please correct the duplicate data for name" in response.content.decode()
    assert not Module.objects.exists()


def test_a_blank_watermark_default_means_no_default(staff_client, erp_to_dw, draft):
    watermark = {
        "name": "since",
        "resolver_sql": "SELECT max(updated_at) FROM public.orders",
        "default_value": "",
    }

    staff_client.post(
        URL, form_data(erp_to_dw, draft, [watermark], source_query=QUERY + " WHERE updated_at >= '{since}'")
    )

    assert Watermark.objects.get(name="since").default_value is None


def test_another_module_loading_the_table_is_named_before_create(staff_client, erp_to_dw, draft, make_module):
    make_module(
        erp_to_dw.source,
        erp_to_dw.dest,
        name="old_orders",
        columns=[("id", "integer")],
        source_query="SELECT id FROM orders",
        dest_table="orders",
    )
    response = staff_client.post(URL, form_data(erp_to_dw, draft))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Another module loads this table" in page
    assert 'old_orders</a> loads <span class="mono">orders</span> on dw' in page
    assert not Module.objects.filter(name="orders").exists()

    response = staff_client.post(URL, form_data(erp_to_dw, draft, share_table="1"))
    assert response.status_code == 302
    assert Module.objects.filter(name="orders").exists()


def test_the_last_page_offers_the_guards_and_deletes_with_their_defaults(staff_client, erp_to_dw, draft):
    form = staff_client.get(URL).context["form"]

    assert form["allow_empty"].value() is False
    assert form["max_delete_pct"].value() == 10
    assert form["delete_missing"].value() == "none"


def test_create_saves_the_guards_and_a_soft_delete_with_its_deleted_at_column(staff_client, erp_to_dw, draft):
    fields = {
        "strategy": "incremental",
        "merge_key": "id",
        "min_rows": "1",
        "delete_missing": "soft",
        "key_query": "SELECT id FROM orders",
        "delete_scope": "id > 0",
        "max_delete_pct": "5",
    }

    response = staff_client.post(URL, form_data(erp_to_dw, draft, **fields))

    assert response.status_code == 302
    module = Module.objects.get(name="orders")
    assert (module.min_rows, module.delete_missing, module.max_delete_pct) == (1, "soft", 5)
    assert (module.key_query, module.delete_scope, module.allow_empty) == (
        "SELECT id FROM orders",
        "id > 0",
        False,
    )
    assert [name for name, *_ in dest_columns(erp_to_dw.dest_db)] == ["id", "customer", "total", "deleted_at"]
    page = staff_client.get(response["Location"]).content.decode()
    assert "soft: set their deleted_at to the run&#x27;s start; at most 5% of the rows in scope" in page
    assert "min_rows 1" in page


def test_a_delete_missing_without_a_key_query_is_refused(staff_client, erp_to_dw, draft):
    fields = {"strategy": "incremental", "merge_key": "id", "delete_missing": "hard"}

    response = staff_client.post(URL, form_data(erp_to_dw, draft, **fields))

    assert response.status_code == 200
    assert response.context["form"].errors["key_query"] == [
        "delete_missing needs a key query returning the merge key of every row."
    ]
    assert not Module.objects.exists()
