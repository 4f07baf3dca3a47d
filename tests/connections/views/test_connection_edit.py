import pytest
from django.urls import reverse

from connections import secrets
from connections.models import Connection

NEW = reverse("connections:connection_new")
PASSWORD = "pa55-Word!#"


def edit_url(connection):
    return reverse("connections:connection_edit", args=[connection.pk])


@pytest.fixture
def form(drivers, sqlite_db):
    return {
        "name": "erp",
        "driver": drivers["sqlite"].pk,
        "jdbc_url": sqlite_db.jdbc_url,
        "username": "etl",
        "password": "",
        "new_password": "",
        "staging_schema": "",
        "description": "",
    }


def state_database_text():
    return repr(list(Connection.objects.values()))


def test_a_connection_is_created_with_its_password_put_in_the_secrets_file(staff_client, form, secrets_file):
    response = staff_client.post(NEW, {**form, "new_password": PASSWORD}, follow=True)
    connection = Connection.objects.get(name="erp")
    page = response.content.decode()
    assert connection.password == "$ERP_PASSWORD"
    assert secrets.read() == {"ERP_PASSWORD": PASSWORD}
    assert secrets_file.stat().st_mode & 0o777 == 0o640
    assert "Saved erp; its password is stored as $ERP_PASSWORD." in page
    assert PASSWORD not in page
    assert PASSWORD not in state_database_text()


def test_the_password_goes_under_the_reference_given(staff_client, form, secrets_file):
    staff_client.post(NEW, {**form, "password": "$WAREHOUSE", "new_password": PASSWORD})
    assert Connection.objects.get(name="erp").password == "$WAREHOUSE"
    assert secrets.read() == {"WAREHOUSE": PASSWORD}


def test_a_reference_missing_from_the_secrets_file_is_saved_with_a_warning(staff_client, form, secrets_file):
    response = staff_client.post(NEW, {**form, "password": "$ERP_PASSWORD"}, follow=True)
    page = response.content.decode()
    assert Connection.objects.get(name="erp").password == "$ERP_PASSWORD"
    assert "message warning" in page
    assert (
        f"Saved erp, but its secret ERP_PASSWORD is not in the secrets file {secrets_file}: its runs fail "
        "until you set the password here or with &#x27;manage.py secrets set ERP_PASSWORD&#x27;." in page
    )
    assert "$ERP_PASSWORD missing" in page


def test_a_new_password_replaces_the_stored_one_and_is_never_shown(
    staff_client, form, secrets_file, sqlite_db, make_connection
):
    secrets_file.write_text("ERP_PASSWORD=old\nOTHER=kept\n")
    connection = make_connection(sqlite_db, name="erp", password="$ERP_PASSWORD")
    page = staff_client.get(edit_url(connection)).content.decode()
    assert "$ERP_PASSWORD set" in page
    assert "old" not in page.replace("older", "")

    response = staff_client.post(
        edit_url(connection), {**form, "password": "$ERP_PASSWORD", "new_password": PASSWORD}
    )
    assert response.status_code == 302
    assert secrets.read() == {"ERP_PASSWORD": PASSWORD, "OTHER": "kept"}
    assert PASSWORD not in staff_client.get(edit_url(connection)).content.decode()


def test_an_empty_password_field_keeps_the_stored_secret(
    staff_client, form, secrets_file, sqlite_db, make_connection
):
    secrets_file.write_text("ERP_PASSWORD=kept\n")
    connection = make_connection(sqlite_db, name="erp", password="$ERP_PASSWORD")
    response = staff_client.post(
        edit_url(connection), {**form, "password": "$ERP_PASSWORD", "username": "loader"}
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.username == "loader"
    assert secrets.read() == {"ERP_PASSWORD": "kept"}


def test_a_refused_form_does_not_send_the_typed_password_back(staff_client, form, secrets_file):
    response = staff_client.post(
        NEW, {**form, "jdbc_url": "jdbc:postgresql://h/db?password=x", "new_password": PASSWORD}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "A literal password is not stored." in page
    assert PASSWORD not in page
    assert not secrets_file.exists()
    assert not Connection.objects.exists()


def test_a_literal_password_in_the_reference_field_is_refused_and_not_shown(staff_client, form, secrets_file):
    response = staff_client.post(NEW, {**form, "password": PASSWORD})
    assert "A literal password is not stored." in response.content.decode()
    assert PASSWORD not in response.content.decode()
    assert not Connection.objects.exists()


def test_a_password_of_several_lines_is_refused(staff_client, form, secrets_file):
    response = staff_client.post(NEW, {**form, "new_password": "one\ntwo"})
    assert response.context["form"].errors["new_password"] == ["A password must be one line."]
    assert not secrets_file.exists()


def test_viewers_and_operators_may_not_create_or_edit(
    viewer_client, operator_client, form, sqlite_db, make_connection
):
    connection = make_connection(sqlite_db, name="dw")
    for client in (viewer_client, operator_client):
        assert client.get(NEW).status_code == 403
        assert client.post(edit_url(connection), form).status_code == 403
    assert not Connection.objects.filter(name="erp").exists()


def test_a_secrets_file_that_cannot_be_written_saves_nothing_and_says_what_to_do(
    staff_client, form, secrets_file
):
    # Tests run as root, whom file modes do not stop: a directory in the file's place fails alike.
    secrets_file.mkdir()
    response = staff_client.post(NEW, {**form, "new_password": PASSWORD})
    assert response.context["form"].errors["new_password"] == [
        f"The secrets file {secrets_file} could not be written (Is a directory); nothing was saved. "
        "Store the password with 'manage.py secrets set ERP_PASSWORD' as the file's owner, then save here "
        "with this field empty."
    ]
    assert PASSWORD not in response.content.decode()
    assert not Connection.objects.exists()


def test_a_cap_on_parallel_runs_is_saved_and_shown(staff_client, form, secrets_file):
    staff_client.post(NEW, {**form, "max_parallel_runs": "2"})
    connection = Connection.objects.get(name="erp")
    assert connection.max_parallel_runs == 2
    page = staff_client.get(edit_url(connection)).content.decode()
    assert 'name="max_parallel_runs" value="2"' in page

    staff_client.post(edit_url(connection), {**form, "max_parallel_runs": ""})
    connection.refresh_from_db()
    assert connection.max_parallel_runs is None
