import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from connections import jrunner
from connections.models import Connection, Driver
from pipekit_site.config_io import ConfigError, import_config
from scheduling.engine import run_group
from scheduling.models import Group
from syncs.models import Trigger

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "demo.yaml"

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
            group_run = run_group(group, trigger=Trigger.MANUAL, triggered_by="demo", on_run=self.print_run)
            self.stdout.write(f"Demo group run {group_run.pk}: {group_run.status}")
        self.stdout.write(f"Staff login: admin / {password}")

    def print_run(self, run):
        self.stdout.write("  " + run.summary_line())

    def create_demo(self, folder):
        """Create the demo databases with jrunner and the demo's connections, modules and group
        with the importer; return the group."""
        if not Driver.objects.filter(name="sqlite").exists():
            raise CommandError("the sqlite driver is not registered: run manage.py drivers sync first")
        text = DEMO_CONFIG.read_text().replace("{folder}", str(folder.resolve()))
        try:
            import_config(text)
        except ConfigError as exc:
            raise CommandError(f"importing the demo: {exc}") from exc
        jrunner.execute(Connection.objects.get(name="demo_shop"), SHOP_SQL)
        jrunner.execute(Connection.objects.get(name="demo_warehouse"), WAREHOUSE_SQL)
        return Group.objects.get(name="demo_nightly")

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
