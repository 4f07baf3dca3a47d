from django.urls import reverse

from connections.models import Connection

URL = reverse("connections:connection_list")


def test_it_lists_driver_url_user_secret_state_and_the_modules_using_each(
    viewer_client, sqlite_db, sqlite_db2, make_connection, make_module, secrets_file
):
    secrets_file.write_text("ERP_PASSWORD=x\n")
    erp = make_connection(sqlite_db, name="erp", password="$ERP_PASSWORD")
    Connection.objects.filter(pk=erp.pk).update(username="etl")
    dw = make_connection(sqlite_db2, name="dw", password="$DW_PASSWORD")
    make_connection(sqlite_db2, name="spare")
    for name in ("orders", "lines"):
        make_module(erp, dw, name=name, columns=[("id", "integer")], source_query="SELECT 1", dest_table=name)

    response = viewer_client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    rows = {c.name: c for c in response.context["connections"]}
    assert [m.name for m in rows["erp"].modules] == ["lines", "orders"]
    assert [m.name for m in rows["dw"].modules] == ["lines", "orders"]
    assert rows["spare"].modules == []
    assert {name: c.secret_state for name, c in rows.items()} == {
        "erp": "set",
        "dw": "missing",
        "spare": "none",
    }
    assert "$ERP_PASSWORD set" in page
    assert "$DW_PASSWORD missing" in page
    assert erp.jdbc_url in page and ">etl<" in page and ">sqlite<" in page
    assert "x\n" not in page


def test_viewers_see_no_edit_links_or_test_buttons(viewer_client, sqlite_db, make_connection):
    connection = make_connection(sqlite_db, name="erp")
    page = viewer_client.get(URL).content.decode()
    assert reverse("connections:connection_edit", args=[connection.pk]) not in page
    assert "Test connection" not in page
    assert "New connection" not in page


def test_editors_get_edit_links_and_test_buttons(staff_client, sqlite_db, make_connection):
    connection = make_connection(sqlite_db, name="erp")
    page = staff_client.get(URL).content.decode()
    assert reverse("connections:connection_edit", args=[connection.pk]) in page
    assert reverse("connections:connection_test", args=[connection.pk]) in page
    assert "Connections</a>" in page


def test_anonymous_users_go_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
