import pytest
from django.urls import reverse

from syncs.models import RunLog

NEW_QUERY = 'SELECT id, total, "Customer" FROM orders'


def url(module):
    return reverse("syncs:add_column", args=[module.pk])


def new_column(**fields):
    return {
        "dest_name": "customer",
        "dest_type": "varchar(80)",
        "description": "Who ordered",
        "source_query": NEW_QUERY,
        **fields,
    }


def table_columns(db):
    return db.rows(
        "SELECT column_name, data_type, col_description('public.orders_copy'::regclass, ordinal_position) "
        "FROM information_schema.columns WHERE table_name = 'orders_copy' ORDER BY ordinal_position"
    )


def assert_unchanged(module, erp_to_dw):
    before = (module.columns, module.source_query)
    module.refresh_from_db()
    assert (module.columns, module.source_query) == before
    assert table_columns(erp_to_dw.dest_db) == [("id", "integer", None), ("total", "numeric", None)]


@pytest.fixture
def module(orders_copy_module):
    return orders_copy_module


def test_it_sends_anonymous_users_to_the_login_page(client, module):
    response = client.get(url(module))
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url(module)}"


def test_it_refuses_users_who_are_not_staff(user_client, module, erp_to_dw):
    assert user_client.get(url(module)).status_code == 403
    assert user_client.post(url(module), new_column()).status_code == 403
    assert_unchanged(module, erp_to_dw)


def test_an_unknown_module_is_not_found(staff_client):
    assert staff_client.get(reverse("syncs:add_column", args=[999])).status_code == 404


def test_the_form_starts_from_the_modules_query(staff_client, module):
    page = staff_client.get(url(module)).content.decode()
    assert "SELECT id, total FROM orders</textarea>" in page
    assert "as c3" in page


def test_it_adds_the_column_at_the_end_of_the_table_and_of_the_module(staff_client, module, erp_to_dw):
    response = staff_client.post(url(module), new_column())

    assert response.status_code == 302
    assert response["Location"] == reverse("syncs:module_detail", args=[module.pk])
    assert table_columns(erp_to_dw.dest_db) == [
        ("id", "integer", None),
        ("total", "numeric", None),
        ("customer", "character varying", "Who ordered"),
    ]
    module.refresh_from_db()
    assert module.columns[-1] == {
        "id": "c3",
        "source_name": "Customer",
        "source_type": "varchar",
        "dest_name": "customer",
        "dest_type": "varchar(80)",
        "description": "Who ordered",
    }
    assert module.source_query == NEW_QUERY
    page = staff_client.get(response["Location"]).content.decode()
    assert "Added column customer (c3) to public.orders_copy." in page


def test_it_writes_the_comment_on_a_mariadb_destination(
    staff_client, erp_to_dw, maria_db, make_connection, make_module
):
    maria_db.execute("CREATE TABLE orders_copy (id int, total decimal(12,2))")
    module = make_module(
        erp_to_dw.source,
        make_connection(maria_db, name="mart"),
        columns=[("id", "INT"), ("total", "DECIMAL(12,2)")],
        source_query="SELECT id, total FROM orders",
        dest_table="orders_copy",
    )

    staff_client.post(url(module), new_column(dest_type="VARCHAR(80)"))

    assert maria_db.rows(
        "SELECT COLUMN_NAME, COLUMN_TYPE, COLUMN_COMMENT FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders_copy' ORDER BY ORDINAL_POSITION"
    )[-1] == ("customer", "varchar(80)", "Who ordered")


def test_a_name_already_present_changes_nothing(staff_client, module, erp_to_dw):
    response = staff_client.post(url(module), new_column(dest_name="total"))

    assert response.status_code == 200
    assert "orders already has a column named total." in response.content.decode()
    assert_unchanged(module, erp_to_dw)


def test_a_failing_alter_shows_the_databases_reason_and_changes_nothing(staff_client, module, erp_to_dw):
    response = staff_client.post(url(module), new_column(dest_type="no_such_type"))

    page = response.content.decode()
    assert "dw refused the new column:" in page
    assert "no_such_type" in page and "does not exist" in page
    assert_unchanged(module, erp_to_dw)


def test_a_type_that_is_more_than_a_type_changes_nothing(staff_client, module, erp_to_dw):
    response = staff_client.post(url(module), new_column(dest_type="text; DROP TABLE public.orders_copy"))

    assert "is not a column type" in response.content.decode()
    assert_unchanged(module, erp_to_dw)


def test_a_query_that_does_not_return_the_new_column_changes_nothing(staff_client, module, erp_to_dw):
    response = staff_client.post(url(module), new_column(source_query="SELECT id, total FROM orders"))

    page = response.content.decode()
    assert "The source query returns 2 columns; with the new one the module has 3." in page
    assert_unchanged(module, erp_to_dw)


def test_a_running_module_is_left_alone(staff_client, module, erp_to_dw):
    run = RunLog.objects.create(module=module, status="running")
    module.running_run = run
    module.save()

    page = staff_client.post(url(module), new_column()).content.decode()

    assert f"orders is running (run {run.pk}); add the column after it." in page
    assert_unchanged(module, erp_to_dw)
