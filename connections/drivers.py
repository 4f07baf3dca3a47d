"""The drivers Pipekit knows out of the box (jars from Debian's packages)."""

from connections.models import Driver

BUILTIN_DRIVERS = [
    {
        "name": "postgres",
        "kind": "postgres",
        "jars": ["/usr/share/java/postgresql.jar"],
        "class_name": "org.postgresql.Driver",
        "url_template": "jdbc:postgresql://{host}:5432/{database}",
    },
    {
        "name": "mariadb",
        "kind": "mariadb",
        "jars": ["/usr/share/java/mariadb-java-client.jar"],
        "class_name": "org.mariadb.jdbc.Driver",
        "url_template": "jdbc:mariadb://{host}:3306/{database}",
    },
    {
        "name": "sqlite",
        "kind": "sqlite",
        "jars": ["/usr/share/java/sqlite-jdbc.jar"],
        "class_name": "org.sqlite.JDBC",
        "url_template": "jdbc:sqlite:{path}",
    },
    {
        "name": "mssql",
        "kind": "mssql",
        "jars": ["/usr/share/java/jtds.jar"],
        "class_name": "net.sourceforge.jtds.jdbc.Driver",
        "url_template": "jdbc:jtds:sqlserver://{host}:1433/{database}",
    },
    {
        "name": "db2i",
        "kind": "db2i",
        "jars": ["/usr/share/java/jt400.jar"],
        "class_name": "com.ibm.as400.access.AS400JDBCDriver",
        "url_template": "jdbc:as400://{host};naming=system;prompt=false",
    },
]


def sync_drivers():
    """Create or update the built-in drivers; return the names that changed."""
    changed = []
    for spec in BUILTIN_DRIVERS:
        values = {k: v for k, v in spec.items() if k != "name"}
        driver, created = Driver.objects.get_or_create(name=spec["name"], defaults=values)
        if not created and any(getattr(driver, k) != v for k, v in values.items()):
            Driver.objects.filter(pk=driver.pk).update(**values)
            created = True
        if created:
            changed.append(spec["name"])
    return changed
