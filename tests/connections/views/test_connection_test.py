from django.urls import reverse

from connections import secrets
from connections.models import Connection

PASSWORD = "TopSecret42"


def url_of(connection):
    return reverse("connections:connection_test", args=[connection.pk])


def messages_of(response):
    return [(m.level_tag, m.message) for m in response.context["messages"]]


def test_it_reports_the_server_and_its_version(staff_client, sqlite_db, make_connection):
    connection = make_connection(sqlite_db, name="erp")
    response = staff_client.post(url_of(connection), follow=True)
    [(level, message)] = messages_of(response)
    assert level == "success"
    assert message.startswith("erp: connected to SQLite 3.")
    assert response.redirect_chain == [(reverse("connections:connection_list"), 302)]


def test_it_reports_a_postgresql_server(staff_client, pg_db, make_connection):
    connection = make_connection(pg_db, name="dw")
    [(level, message)] = messages_of(staff_client.post(url_of(connection), follow=True))
    assert level == "success"
    assert message.startswith("dw: connected to PostgreSQL ")


def test_it_reports_a_mariadb_server(staff_client, maria_db, make_connection):
    connection = make_connection(maria_db, name="mart")
    [(level, message)] = messages_of(staff_client.post(url_of(connection), follow=True))
    assert level == "success"
    assert message.startswith("mart: connected to MariaDB / MySQL ")


def test_the_drivers_error_is_shown_without_the_password(staff_client, pg_db, make_connection, secrets_file):
    secrets.set_secret("DW_PASSWORD", PASSWORD)
    # The server names the missing database in its error, and the database is named like the password.
    url = pg_db.jdbc_url.rsplit("/", 1)[0] + "/" + PASSWORD
    connection = make_connection(pg_db, name="dw", password="$DW_PASSWORD")
    Connection.objects.filter(pk=connection.pk).update(jdbc_url=url)
    response = staff_client.post(url_of(connection), {"next": f"/connections/{connection.pk}/"}, follow=True)
    [(level, message)] = messages_of(response)
    assert level == "error"
    assert message.startswith("dw: could not connect: ")
    assert "does not exist" in message and "********" in message
    assert PASSWORD not in message
    assert response.redirect_chain == [(f"/connections/{connection.pk}/", 302)]


def test_a_missing_secret_is_named(staff_client, sqlite_db, make_connection, secrets_file):
    connection = make_connection(sqlite_db, name="erp", password="$ERP_PASSWORD")
    [(level, message)] = messages_of(staff_client.post(url_of(connection), follow=True))
    assert level == "error"
    assert message == (
        f"erp: not tested: secret ERP_PASSWORD is not in the secrets file {secrets_file}; "
        "set it with: manage.py secrets set ERP_PASSWORD"
    )


def test_it_goes_back_only_to_this_site(staff_client, sqlite_db, make_connection):
    connection = make_connection(sqlite_db, name="erp")
    response = staff_client.post(url_of(connection), {"next": "https://elsewhere.example/"})
    assert response["Location"] == reverse("connections:connection_list")


def test_viewers_may_not_test_and_a_get_does_nothing(viewer_client, staff_client, sqlite_db, make_connection):
    connection = make_connection(sqlite_db, name="erp")
    assert viewer_client.post(url_of(connection)).status_code == 403
    assert staff_client.get(url_of(connection)).status_code == 405
