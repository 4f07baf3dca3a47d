from django.urls import reverse

from connections.models import Connection


def connection_form(drivers, **fields):
    data = {
        "name": "erp",
        "driver": drivers["postgres"].pk,
        "jdbc_url": "jdbc:postgresql://127.0.0.1:5432/erp",
        "username": "etl",
        "password": "$ERP_PASSWORD",
        "staging_schema": "",
        "description": "",
    }
    return data | fields


def test_a_literal_password_is_refused_with_how_to_store_it_and_not_shown_again(admin_client, drivers):
    response = admin_client.post(
        reverse("admin:connections_connection_add"), connection_form(drivers, password="hunter2")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "A literal password is not stored." in html
    assert (
        "Store the password itself with &#x27;manage.py secrets set NAME&#x27; and enter $NAME here." in html
    )
    assert "hunter2" not in html
    assert not Connection.objects.exists()


def test_a_password_reference_is_saved_and_shown(admin_client, drivers):
    response = admin_client.post(reverse("admin:connections_connection_add"), connection_form(drivers))
    assert response.status_code == 302
    erp = Connection.objects.get(name="erp")
    assert erp.password == "$ERP_PASSWORD"
    page = admin_client.get(reverse("admin:connections_connection_change", args=[erp.pk]))
    assert 'value="$ERP_PASSWORD"' in page.content.decode()


def test_the_connection_and_driver_lists_render(admin_client, drivers):
    Connection.objects.create(name="erp", driver=drivers["postgres"], jdbc_url="jdbc:postgresql:erp")
    assert (
        "jdbc:postgresql:erp"
        in admin_client.get(reverse("admin:connections_connection_changelist")).content.decode()
    )
    drivers_page = admin_client.get(reverse("admin:connections_driver_changelist"))
    assert drivers_page.status_code == 200
    assert "org.postgresql.Driver" in drivers_page.content.decode()
    assert "Jars present" in drivers_page.content.decode()
