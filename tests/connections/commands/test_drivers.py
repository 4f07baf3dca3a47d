from io import StringIO

from django.core.management import call_command

from connections.models import Driver


def run(*args):
    out = StringIO()
    call_command("drivers", *args, stdout=out)
    return out.getvalue()


def test_sync_registers_the_built_in_drivers(db):
    assert run("sync") == "drivers: postgres, mariadb, sqlite, mssql, db2i changed\n"
    assert sorted(Driver.objects.values_list("name", "kind")) == [
        ("db2i", "db2i"),
        ("mariadb", "mariadb"),
        ("mssql", "mssql"),
        ("postgres", "postgres"),
        ("sqlite", "sqlite"),
    ]
    assert Driver.objects.get(name="postgres").class_name == "org.postgresql.Driver"


def test_sync_twice_changes_nothing(db):
    run("sync")
    assert run("sync") == "drivers: nothing changed\n"
    assert Driver.objects.count() == 5


def test_sync_restores_an_edited_built_in_and_keeps_other_drivers(db):
    run("sync")
    Driver.objects.filter(name="mariadb").update(jars=["/tmp/old.jar"], class_name="x")
    Driver.objects.create(name="oracle", kind="postgres", class_name="oracle.jdbc.OracleDriver")
    assert run("sync") == "drivers: mariadb changed\n"
    mariadb = Driver.objects.get(name="mariadb")
    assert mariadb.jars == ["/usr/share/java/mariadb-java-client.jar"]
    assert mariadb.class_name == "org.mariadb.jdbc.Driver"
    assert Driver.objects.filter(name="oracle").exists()


def test_list_shows_whether_each_driver_has_its_jars(db):
    run("sync")
    Driver.objects.filter(name="db2i").update(jars=["/nonexistent/jt400.jar"])
    lines = run("list").splitlines()
    assert [line.split()[0] for line in lines] == ["db2i", "mariadb", "mssql", "postgres", "sqlite"]
    assert lines[0].endswith("missing /nonexistent/jt400.jar")
    assert all(line.endswith("jars ok") for line in lines[1:])
