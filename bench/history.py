#!/usr/bin/env python3
"""Pipekit's pages and API on a state database holding a year of history.

    bench/history.py                 # small: 100 modules, 10,000 runs, on SQLite
    bench/history.py --full          # a year: 40 connections, 1,000 modules, 50 groups of 20 with
                                     # schedules, 300,000 runs with ~3 KB of live log, 20,000 group runs
    bench/history.py --full --db postgres   # the same on PostgreSQL (BENCH_PG_HOST/PORT/USER)

The database is built once through the ORM (seeded, so every build is the same) under var/bench/
and reused by later runs of the same size; --rebuild builds it again. For each database a child
process with its own config.yaml measures every page and API endpoint that lists or shows
things, every admin changelist, fire_schedules with nothing due and with 50 due, and
export_config: SQL queries, median milliseconds of REPEAT calls, response bytes. The API is
called with an API token, as scripts should (Basic auth pays a deliberately slow password hash).

PostgreSQL: a server on BENCH_PG_HOST:BENCH_PG_PORT (127.0.0.1:5432) as BENCH_PG_USER (postgres),
without a password; the database pk_bench_history_<size> is created if missing. On the test
servers: scripts/test-servers.sh sh -c 'BENCH_PG_PORT=$PIPEKIT_TEST_PG_PORT bench/history.py --full --db both'
"""

import argparse
import logging
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {
    "small": {"connections": 10, "modules": 100, "groups": 5, "group_runs": 700, "runs": 10_000},
    "full": {"connections": 40, "modules": 1_000, "groups": 50, "group_runs": 20_000, "runs": 300_000},
}
GROUP_SIZE = 20
REPEAT = 5
GOAL_MS, GOAL_BYTES = 150, 200_000
PASSWORD = "bench-password"


def pg_url(size):
    host = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
    port = os.environ.get("BENCH_PG_PORT", "5432")
    user = os.environ.get("BENCH_PG_USER", "postgres")
    return f"postgres://{user}@{host}:{port}/pk_bench_history_{size}", (host, port, user)


def pg_database_exists(size):
    _, (host, port, user) = pg_url(size)
    return (
        subprocess.run(
            [
                "psql",
                "-h",
                host,
                "-p",
                port,
                "-U",
                user,
                "-d",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = 'pk_bench_history_{size}'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        == "1"
    )


def drop_pg_database(size):
    _, (host, port, user) = pg_url(size)
    subprocess.run(
        ["dropdb", "--if-exists", "-h", host, "-p", port, "-U", user, f"pk_bench_history_{size}"], check=True
    )


def write_config(db, size):
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    database = pg_url(size)[0] if db == "postgres" else str(folder / f"history-{size}.db")
    config = folder / f"config-{db}-{size}.yaml"
    config.write_text(
        f"database: {database}\nsecret_key_file: secret_key\nsecrets_file: secrets.env\n"
        "time_zone: UTC\ndebug: false\nhttps: false\nallowed_hosts: [testserver]\n"
    )
    return config, folder / f"built-{db}-{size}"


def parent(args):
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    size = "full" if args.full else "small"
    for db in dbs:
        config, marker = write_config(db, size)
        # A marker of a database on a server that is gone (the test servers) does not count.
        if args.rebuild or not marker.exists() or (db == "postgres" and not pg_database_exists(size)):
            marker.unlink(missing_ok=True)
            if db == "postgres":
                drop_pg_database(size)
                _, (host, port, user) = pg_url(size)
                subprocess.run(
                    ["createdb", "-h", host, "-p", port, "-U", user, f"pk_bench_history_{size}"], check=True
                )
            else:
                Path(str(config).replace(f"config-{db}-{size}.yaml", f"history-{size}.db")).unlink(
                    missing_ok=True
                )
        env = {**os.environ, "PIPEKIT_CONFIG": str(config), "DJANGO_SETTINGS_MODULE": "pipekit_site.settings"}
        command = [sys.executable, __file__, "--child", size, "--marker", str(marker), "--label", db]
        subprocess.run(command, env=env, check=True)


# --- the child: one database, Django set up ----------------------------------------------------


def build(size):
    """Fill the empty state database with a year of history, through the ORM."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from connections.drivers import sync_drivers
    from connections.models import Connection, Driver
    from scheduling.models import Group, GroupMember, GroupRun, Schedule
    from syncs.models import TREND_RUNS, Module, RunLog, Status, Trigger

    counts = SIZES[size]
    rng = random.Random(20261129)
    call_command("migrate", verbosity=0)
    sync_drivers()
    driver = Driver.objects.get(name="postgres")
    connections = Connection.objects.bulk_create(
        Connection(
            name=f"conn_{i:02d}",
            driver=driver,
            jdbc_url=f"jdbc:postgresql://db{i}.example/erp",
            username="etl",
        )
        for i in range(counts["connections"])
    )
    columns = [
        {
            "id": f"c{i}",
            "source_name": f"col_{i}",
            "source_type": "integer",
            "dest_name": f"col_{i}",
            "dest_type": "integer",
            "description": "",
        }
        for i in range(1, 9)
    ]
    modules = Module.objects.bulk_create(
        Module(
            name=f"mod_{i:04d}",
            description=f"Module {i}: copies a table of the ERP.",
            source=rng.choice(connections),
            dest=rng.choice(connections),
            source_query=f"SELECT col_1, col_2, col_3 FROM erp.table_{i} WHERE updated_at > '{{since}}'",
            dest_table=f"dw.table_{i}",
            strategy=rng.choice(["full", "append"]),
            columns=columns,
        )
        for i in range(counts["modules"])
    )
    groups = Group.objects.bulk_create(Group(name=f"group_{g:02d}") for g in range(counts["groups"]))
    GroupMember.objects.bulk_create(
        GroupMember(group=groups[i // GROUP_SIZE], module=module, run_order=i % GROUP_SIZE)
        for i, module in enumerate(modules[: counts["groups"] * GROUP_SIZE])
    )
    year_ago = datetime.now(UTC) - timedelta(days=365)
    for g, group in enumerate(groups):
        Schedule.objects.create(
            group=group, cron=f"{g % 60} {g % 24} * * *", created_at=year_ago, last_fired_at=datetime.now(UTC)
        )
    step = timedelta(days=365) / counts["group_runs"]
    group_runs = []
    for i in range(counts["group_runs"]):
        at = year_ago + i * step
        group_runs.append(
            GroupRun(
                group=groups[i % len(groups)],
                status=Status.SUCCESS,
                trigger=f"schedule:{i % len(groups) + 1}",
                created_at=at,
                started_at=at,
                finished_at=at + timedelta(minutes=5),
            )
        )
    group_runs = GroupRun.objects.bulk_create(group_runs, batch_size=2000)
    log_lines = "\n".join(
        f"12:00:{s:02d} jrunner: {s * 1000} rows read, batch {s} written" for s in range(60)
    )
    per_group_run = counts["runs"] * 95 // 100 // counts["group_runs"]
    members_of = {}
    for member in GroupMember.objects.all():
        members_of.setdefault(member.group_id, []).append(member.module_id)
    run_step = timedelta(days=365) / counts["runs"]
    made = 0

    def run_at(i, module_id, trigger, group_run=None):
        at = year_ago + i * run_step
        status = rng.choices([Status.SUCCESS, Status.ERROR, Status.CANCELLED, Status.DRY_RUN], [95, 3, 1, 1])[
            0
        ]
        seconds = rng.uniform(1, 300)
        return RunLog(
            module_id=module_id,
            group_run=group_run,
            status=status,
            dry_run=status == Status.DRY_RUN,
            trigger=trigger,
            triggered_by="" if group_run else "alice",
            created_at=at,
            started_at=at,
            finished_at=at + timedelta(seconds=seconds),
            rows_staged=rng.randint(0, 10**6),
            rows_merged=rng.randint(0, 10**6),
            load_path="copy",
            error="relation dw.table does not exist" if status == Status.ERROR else "",
            resolved_sql="SELECT col_1, col_2, col_3 FROM erp.table WHERE updated_at > '2026-01-01'",
            merge_sql="DELETE FROM dw.table; INSERT INTO dw.table SELECT * FROM staging",
            live_log=f"run of module {module_id}\n{log_lines}",
            stdout="1000000 rows written (copy)",
        )

    batch = []
    for gr_index, group_run in enumerate(group_runs):
        for module_id in members_of[group_run.group_id][:per_group_run]:
            batch.append(run_at(made, module_id, Trigger.of(Trigger.GROUP, group_run.group_id), group_run))
            made += 1
            if rng.random() < 0.06:
                # Now and then someone runs a module by hand or from a script.
                batch.append(run_at(made, rng.choice(modules).id, rng.choice(["manual", "api", "cli"])))
                made += 1
        if len(batch) >= 5000 or gr_index == len(group_runs) - 1:
            RunLog.objects.bulk_create(batch, batch_size=1000)
            batch = []
    # A few runs going on right now, so the module list polls their rows.
    for module in modules[:3]:
        RunLog.objects.create(
            module=module, status=Status.RUNNING, started_at=datetime.now(UTC), trigger="manual"
        )
    for module in modules:
        runs = RunLog.objects.filter(module=module, status=Status.SUCCESS, dry_run=False).order_by(
            "-created_at", "-id"
        )
        trend = [
            [(r.finished_at - r.started_at).total_seconds(), r.rows_merged]
            for r in runs.only("started_at", "finished_at", "rows_merged")[:TREND_RUNS]
        ]
        Module.objects.filter(pk=module.pk).update(trend=trend[::-1])
    get_user_model().objects.create_superuser("bench", password=PASSWORD)
    return RunLog.objects.count()


def measure(label, rows):
    """Time every page, API endpoint, admin changelist, the tick and export_config; print a table."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from pipekit_site.models import ApiToken
    from scheduling.models import Group, GroupRun, Schedule
    from scheduling.tick import fire_schedules
    from syncs.models import Module, RunLog

    user = get_user_model().objects.get(username="bench")
    ApiToken.objects.filter(user=user).delete()
    _, secret = ApiToken.issue(user, "bench")
    browser = Client()
    browser.force_login(user)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    module = Module.objects.order_by("pk")[Module.objects.count() // 2]
    run = RunLog.objects.filter(module=module).first()
    oldest = RunLog.objects.order_by("created_at", "id")[60]
    group = Group.objects.order_by("pk").first()
    group_run = GroupRun.objects.filter(group=group).first()
    day = run.created_at.date()
    pages = [
        "/",
        f"/?page={(Module.objects.count() + 49) // 50}",
        "/?name=mod_05",
        "/?group=group_07",
        "/?connection=conn_03",
        "/?status=error",
        f"/modules/{module.id}/",
        "/runs/",
        "/runs/?trigger=manual",
        "/runs/?trigger=schedule",
        "/runs/?status=error",
        f"/runs/?since={day - timedelta(days=7)}&until={day}",
        f"/runs/?module={module.name}",
        f"/runs/?before={oldest.id}",
        f"/runs/{run.id}/",
        "/groups/",
        f"/groups/{group.id}/",
        f"/group-runs/{group_run.id}/",
        "/tokens/",
    ]
    apis = [
        "/api/modules",
        f"/api/modules?page={(Module.objects.count() + 99) // 100}&limit=100",
        f"/api/modules/{module.id}",
        f"/api/runs/{run.id}",
        "/api/groups",
        f"/api/group-runs/{group_run.id}",
    ]
    changelists = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    changelists += [
        reverse("admin:syncs_runlog_changelist") + query
        for query in ["?status__exact=error", "?trigger=manual", "?q=mod_05", "?p=90"]
    ]
    changelists += [
        reverse("admin:syncs_runlog_change", args=[run.id]),
        reverse("admin:scheduling_grouprun_change", args=[group_run.id]),
        reverse("admin:syncs_module_change", args=[module.id]),
    ]

    def timed(call, prepare=None):
        times, queries, size = [], 0, 0
        for i in range(REPEAT + 1):
            if prepare:
                prepare()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                size = call()
                elapsed = time.perf_counter() - start
            if i:  # the first call warms caches and is not counted
                times.append(elapsed)
            queries = len(captured)
        return queries, statistics.median(times) * 1000, size

    def get(client, url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return len(response.content)

        return call

    results = [(url, *timed(get(browser, url))) for url in pages + changelists]
    # The first modules have a run going on (see build): their rows poll.
    poll = f"/?module={Module.objects.order_by('pk').first().pk}"
    poller = Client(headers={"HX-Request": "true"})
    poller.force_login(user)
    results.append((f"{poll} (a running row's poll)", *timed(get(poller, poll))))
    results += [(f"API {url}", *timed(get(api, url))) for url in apis]

    def quiet_start(group, *, trigger):
        # The bench measures the tick, not 50 new processes: queue the group run, start none.
        return GroupRun.objects.create(group=group, trigger=trigger)

    def tick(now):
        return lambda: len(fire_schedules(now, start=quiet_start))

    now = datetime.now(UTC)
    results.append(("fire_schedules, nothing due", *timed(tick(now - timedelta(minutes=1)))))
    later = now + timedelta(days=1, hours=1)

    def make_all_due():
        GroupRun.objects.filter(created_at__gte=now - timedelta(minutes=5), status="queued").delete()
        Schedule.objects.update(last_fired_at=now - timedelta(days=1), counts_from=now - timedelta(days=2))
        Group.objects.update(fired_in_tick=None)

    queries, ms, started = timed(tick(later), prepare=make_all_due)
    results.append(
        ("fire_schedules, 50 due" if started == 50 else f"fire_schedules, {started} due", queries, ms, 0)
    )
    make_all_due()
    Schedule.objects.update(last_fired_at=now)

    def export():
        from io import StringIO

        out = StringIO()
        call_command("export_config", stdout=out)
        return len(out.getvalue())

    results.append(("export_config", *timed(export)))

    load = " ".join(f"{average:.2f}" for average in os.getloadavg())
    print(f"\n## {label}, {rows:,} runs — {datetime.now():%Y-%m-%d %H:%M}, load average {load}\n")
    print("| what | queries | median ms | bytes | |")
    print("|---|---:|---:|---:|---|")
    for what, queries, ms, size in results:
        # The size goal is a page's; export_config writes a file that grows with the modules.
        page_size = size if what != "export_config" else 0
        flag = "over goal" if ms > GOAL_MS or page_size > GOAL_BYTES else ""
        print(f"| `{what}` | {queries} | {ms:.0f} | {size:,} | {flag} |")
    sys.stdout.flush()


def child(args):
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    # Pages render {% static %} without a collectstatic manifest, as in the tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    django.setup()
    logging.getLogger("pipekit.scheduling").setLevel(logging.WARNING)
    marker = Path(args.marker)
    if not marker.exists():
        started = time.perf_counter()
        rows = build(args.child)
        marker.write_text(f"{rows}\n")
        print(f"{args.label}: built {rows:,} runs in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    else:
        # A database built by an older Pipekit gets this one's schema first.
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    measure(args.label, int(marker.read_text()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="a year-sized database instead of a small one")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--rebuild", action="store_true", help="build the database again even if it exists")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--marker", help=argparse.SUPPRESS)
    parser.add_argument("--label", help=argparse.SUPPRESS)
    args = parser.parse_args()
    child(args) if args.child else parent(args)


if __name__ == "__main__":
    main()
