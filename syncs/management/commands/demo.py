import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from connections import jrunner
from connections.models import Connection, Driver
from scheduling.engine import run_group
from scheduling.models import Group, GroupMember, Schedule
from syncs.engine import run_summary
from syncs.models import Hook, Module, Watermark

# The shop: a few thousand generated rows, written by jrunner like everything else.
SHOP_SQL = [
    "CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, "
    "country TEXT, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, "
    "status TEXT NOT NULL, total NUMERIC NOT NULL, updated_at TEXT NOT NULL)",
    "INSERT INTO customers (id, name, email, country, created_at) "
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
    "SELECT i, 'Customer ' || i, CASE WHEN i % 17 = 0 THEN NULL ELSE 'customer' || i || '@example.com' END, "
    "CASE i % 5 WHEN 0 THEN 'FR' WHEN 1 THEN 'US' WHEN 2 THEN 'DE' WHEN 3 THEN 'JP' ELSE 'BR' END, "
    "strftime('%Y-%m-%d %H:%M:%S', '2024-01-01', '+' || (i * 7) || ' hours') "
    "FROM n WHERE NOT EXISTS (SELECT 1 FROM customers)",
    "INSERT INTO orders (id, customer_id, status, total, updated_at) "
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
    "SELECT i, 1 + (i * 37) % 500, "
    "CASE i % 4 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' ELSE 'delivered' END, "
    "round(5 + ((i * 7919) % 50000) / 100.0, 2), "
    "strftime('%Y-%m-%d %H:%M:%S', '2025-01-01', '+' || (i * 13) || ' minutes') "
    "FROM n WHERE NOT EXISTS (SELECT 1 FROM orders)",
]

WAREHOUSE_SQL = [
    "CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, "
    "country TEXT, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, "
    "status TEXT NOT NULL, total NUMERIC NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS order_status_snapshots (taken_at TEXT NOT NULL, status TEXT NOT NULL, "
    "orders INTEGER NOT NULL, revenue NUMERIC)",
]


def columns(*specs):
    """Return module columns for (name, type) pairs, with the same name at source and dest."""
    return [
        {"id": f"c{i}", "source_name": n, "source_type": t, "dest_name": n, "dest_type": t, "description": ""}
        for i, (n, t) in enumerate(specs, 1)
    ]


class Command(BaseCommand):
    help = (
        "Create the demo (once): staff login, a SQLite shop and warehouse, three modules, a scheduled "
        "group, and one finished group run; print the login."
    )

    def handle(self, *args, **options):
        folder = Path(settings.PIPEKIT_SECRETS_FILE).parent
        folder.mkdir(parents=True, exist_ok=True)
        password = self.staff_password(folder)
        try:
            group = self.create_demo(folder)
        except jrunner.JrunnerError as exc:
            raise CommandError(f"creating the demo databases: {exc}") from exc
        if not group.runs.exists():
            self.stdout.write("Running the demo group once:")
            group_run = run_group(group, trigger="manual", triggered_by="demo", on_run=self.print_run)
            self.stdout.write(f"Demo group run {group_run.pk}: {group_run.status}")
        self.stdout.write(f"Staff login: admin / {password}")

    def print_run(self, run):
        self.stdout.write("  " + run_summary(run))

    def create_demo(self, folder):
        driver = Driver.objects.filter(name="sqlite").first()
        if driver is None:
            raise CommandError("the sqlite driver is not registered: run manage.py drivers sync first")
        shop, _ = Connection.objects.update_or_create(
            name="demo_shop",
            defaults={
                "driver": driver,
                "jdbc_url": f"jdbc:sqlite:{(folder / 'shop.db').resolve()}",
                "description": "Demo source: a small shop with generated customers and orders.",
            },
        )
        warehouse, _ = Connection.objects.update_or_create(
            name="demo_warehouse",
            defaults={
                "driver": driver,
                "jdbc_url": f"jdbc:sqlite:{(folder / 'warehouse.db').resolve()}",
                "description": "Demo destination.",
            },
        )
        jrunner.execute(shop, SHOP_SQL)
        jrunner.execute(warehouse, WAREHOUSE_SQL)

        customers, _ = Module.objects.update_or_create(
            name="customers",
            defaults={
                "description": "Demo: the whole customer table, refreshed each run.",
                "source": shop,
                "dest": warehouse,
                "source_query": "SELECT id, name, email, country, created_at FROM customers",
                "dest_table": "customers",
                "strategy": "full",
                "columns": columns(
                    ("id", "INTEGER"),
                    ("name", "TEXT"),
                    ("email", "TEXT"),
                    ("country", "TEXT"),
                    ("created_at", "TEXT"),
                ),
            },
        )
        orders, _ = Module.objects.update_or_create(
            name="orders",
            defaults={
                "description": "Demo: orders changed since the newest one in the warehouse.",
                "source": shop,
                "dest": warehouse,
                "source_query": (
                    "SELECT id, customer_id, status, total, updated_at FROM orders "
                    "WHERE updated_at >= '{since}'"
                ),
                "dest_table": "orders",
                "strategy": "incremental",
                "merge_key": ["id"],
                "columns": columns(
                    ("id", "INTEGER"),
                    ("customer_id", "INTEGER"),
                    ("status", "TEXT"),
                    ("total", "NUMERIC"),
                    ("updated_at", "TEXT"),
                ),
            },
        )
        Watermark.objects.update_or_create(
            module=orders,
            name="since",
            defaults={
                "resolver_sql": "SELECT max(updated_at) FROM orders",
                "default_value": "1970-01-01 00:00:00",
            },
        )
        Hook.objects.update_or_create(
            module=orders,
            name="analyze",
            defaults={"sql": "ANALYZE orders", "run_on": "success", "run_order": 1},
        )
        snapshots, _ = Module.objects.update_or_create(
            name="order_status_snapshots",
            defaults={
                "description": "Demo: a snapshot of orders per status, appended each run.",
                "source": shop,
                "dest": warehouse,
                "source_query": (
                    "SELECT strftime('%Y-%m-%d %H:%M:%S', 'now') AS taken_at, status, count(*) AS orders, "
                    "sum(total) AS revenue FROM orders GROUP BY status ORDER BY status"
                ),
                "dest_table": "order_status_snapshots",
                "strategy": "append",
                "columns": columns(
                    ("taken_at", "TEXT"), ("status", "TEXT"), ("orders", "INTEGER"), ("revenue", "NUMERIC")
                ),
            },
        )
        group, _ = Group.objects.get_or_create(
            name="demo_nightly",
            defaults={"description": "Demo: the three demo modules, every night at 04:00."},
        )
        for order, module in enumerate([customers, orders, snapshots], 1):
            GroupMember.objects.update_or_create(group=group, module=module, defaults={"run_order": order})
        if not group.schedules.exists():
            Schedule.objects.create(group=group, cron="0 4 * * *")
        return group

    def staff_password(self, folder):
        """Create the admin login once; return its password (kept in a 0600 file beside the secrets)."""
        login_file = folder / "demo-login.txt"
        User = get_user_model()
        if not User.objects.filter(username="admin").exists() or not login_file.exists():
            password = secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(username="admin", defaults={"is_staff": True})
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            login_file.write_text(password + "\n")
            login_file.chmod(0o600)
        return login_file.read_text().strip()
