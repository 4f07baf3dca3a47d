import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from connections.models import Connection, Driver


@pytest.fixture
def postgres(drivers):
    return drivers["postgres"]


def connection(driver, **fields):
    values = {"name": "erp", "driver": driver, "jdbc_url": "jdbc:postgresql://127.0.0.1:5432/erp"}
    return Connection(**(values | fields))


def test_a_connection_reads_as_its_name(postgres):
    assert str(connection(postgres)) == "erp"
    assert str(postgres) == "postgres"


def test_a_password_reference_is_accepted(postgres):
    conn = connection(postgres, password="$ERP_PASSWORD")
    conn.full_clean()
    conn.save()
    assert Connection.objects.get(name="erp").password == "$ERP_PASSWORD"


def test_an_empty_password_is_accepted(postgres):
    conn = connection(postgres)
    conn.full_clean()
    conn.save()


def test_a_literal_password_is_refused_saying_how_to_store_it(postgres):
    with pytest.raises(ValidationError) as caught:
        connection(postgres, password="hunter2").full_clean()
    messages = caught.value.message_dict["password"]
    assert messages == [
        "A literal password is not stored. Empty, or a $NAME reference into the secrets file. "
        "Store the password itself with 'manage.py secrets set NAME' and enter $NAME here."
    ]
    assert "hunter2" not in str(caught.value)


def test_the_database_refuses_a_literal_password_saved_without_validation(postgres):
    with pytest.raises(IntegrityError), transaction.atomic():
        connection(postgres, password="hunter2").save()
    assert not Connection.objects.exists()


@pytest.mark.parametrize("password", ["$", "$1ABC", "$A B", "ERP_PASSWORD", " $ERP"])
def test_anything_but_a_plain_reference_is_refused(postgres, password):
    with pytest.raises(ValidationError):
        connection(postgres, password=password).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        connection(postgres, password=password).save()


URLS_WITH_A_PASSWORD = [
    ("postgres", "jdbc:postgresql://db:5432/erp?user=erp&password=hunter2"),
    ("postgres", "jdbc:postgresql://db:5432/erp?PASSWORD=hunter2"),
    ("postgres", "jdbc:postgresql://db:5432/erp?ssl=true&sslpassword=hunter2"),
    ("mariadb", "jdbc:mariadb://db:3306/erp?user=erp&password=hunter2"),
    ("mariadb", "jdbc:mariadb://db:3306/erp?trustStorePassword=hunter2"),
    ("mariadb", "jdbc:mariadb://erp:hunter2@db:3306/erp"),
    ("mssql", "jdbc:jtds:sqlserver://db:1433/erp;user=erp;password=hunter2"),
    ("mssql", "jdbc:jtds:sqlserver://db:1433/erp;Password = hunter2"),
    ("db2i", "jdbc:as400://db;naming=system;password=hunter2;prompt=false"),
    ("db2i", "jdbc:as400://db;PWD=hunter2"),
]


@pytest.mark.parametrize(("kind", "url"), URLS_WITH_A_PASSWORD)
def test_a_password_in_the_jdbc_url_is_refused_like_a_literal_one(drivers, kind, url):
    with pytest.raises(ValidationError) as caught:
        connection(drivers[kind], jdbc_url=url).full_clean()
    assert caught.value.message_dict["jdbc_url"] == [
        "A literal password is not stored. Empty, or a $NAME reference into the secrets file. "
        "Store the password itself with 'manage.py secrets set NAME' and enter $NAME here."
    ]
    assert "hunter2" not in str(caught.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        connection(drivers[kind], jdbc_url=url).save()


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("postgres", "jdbc:postgresql://db:5432/erp?user=erp&ssl=true"),
        ("mariadb", "jdbc:mariadb://db:3306/erp?user=erp"),
        ("mssql", "jdbc:jtds:sqlserver://db:1433/erp;user=erp;domain=CORP"),
        ("db2i", "jdbc:as400://db;naming=system;prompt=false"),
        ("sqlite", "jdbc:sqlite:/var/lib/pipekit/password=1.db"),
    ],
)
def test_a_jdbc_url_without_a_password_is_accepted(drivers, kind, url):
    conn = connection(drivers[kind], jdbc_url=url)
    conn.full_clean()
    conn.save()


def test_connection_names_are_unique_in_the_database(postgres):
    connection(postgres).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        connection(postgres).save()
    with pytest.raises(ValidationError, match="already exists"):
        connection(postgres).full_clean()


def test_driver_names_are_unique_in_the_database(postgres):
    with pytest.raises(IntegrityError), transaction.atomic():
        Driver.objects.create(name="postgres", kind="postgres", class_name="org.postgresql.Driver")


def test_a_driver_reports_the_jars_missing_on_this_host(db, tmp_path):
    present = tmp_path / "present.jar"
    present.write_bytes(b"PK")
    driver = Driver(name="x", kind="postgres", jars=[str(present), str(tmp_path / "gone.jar")])
    assert driver.missing_jars() == [str(tmp_path / "gone.jar")]


def test_a_connection_resolves_its_password_from_the_secrets_file(postgres, settings, tmp_path):
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    (tmp_path / "secrets.env").write_text("ERP_PASSWORD=s3cret\n")
    assert connection(postgres, password="$ERP_PASSWORD").resolve_password() == "s3cret"
    assert connection(postgres).resolve_password() == ""
