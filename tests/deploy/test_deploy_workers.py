"""deploy/deploy.sh --workers N --no-web: a host for run workers only, on a PostgreSQL state
database with `executor: queue`, and the worker unit it renders, run as systemd would."""

import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.dbs import PgDatabase, unique_name
from tests.deploy.helpers import deploy, installation, manage, start_unit, stop, unit_settings
from tests.paths import ROOT

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="deploy.sh creates a system user: run as root"),
    pytest.mark.servers,
]


@dataclass
class WorkerHost:
    prefix: Path
    user: str
    state: PgDatabase
    refused_local: subprocess.CompletedProcess
    refused_sqlite: subprocess.CompletedProcess
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    stopped_with: int
    worker_log: Path

    @property
    def worker_unit(self):
        return self.prefix / "etc" / "pipekit-worker@.service"


def wait_for_a_worker(state, process, log):
    """Return once a worker has registered in the state database's procrastinate_workers."""
    deadline = time.monotonic() + 120
    while not state.rows("SELECT 1 FROM procrastinate_workers"):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"the worker never registered:\n{log.read_text()}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def worker_host(tmp_path_factory):
    """A host deployed as README's "Scale out" says: deployed once; --workers refused while its
    config says executor: local, and on SQLite; then the web host's config (a migrated PostgreSQL
    state database, executor: queue) and deploy.sh --workers 2 --no-web twice, a worker of the
    rendered unit running meanwhile, as one would on another host; that worker stopped last."""
    logs = tmp_path_factory.mktemp("worker")
    state = PgDatabase(unique_name("pk_deploy_state"))
    state.create()
    try:
        with installation() as (source, prefix, user):
            deploy(source, prefix, user).check_returncode()
            config = prefix / "etc" / "config.yaml"
            written = config.read_text()
            refused_local = deploy(source, prefix, user, "--workers", "2", "--no-web")
            config.write_text(written + "executor: queue\n")
            refused_sqlite = deploy(source, prefix, user, "--workers", "2", "--no-web")
            config.write_text(
                written.replace("database: ../var/pipekit.db", f"database: {state.url}") + "executor: queue\n"
            )
            manage(prefix, "migrate", "--no-input").check_returncode()
            log = logs / "worker.log"
            worker = start_unit(prefix / "etc" / "pipekit-worker@.service", log)
            try:
                wait_for_a_worker(state, worker, log)
                first = deploy(source, prefix, user, "--workers", "2", "--no-web")
                second = deploy(source, prefix, user, "--workers", "2", "--no-web")
            finally:
                worker.terminate()  # systemd's stop: KillSignal=SIGTERM
                stopped_with = worker.wait(90)
            yield WorkerHost(
                prefix, user, state, refused_local, refused_sqlite, first, second, stopped_with, log
            )
    finally:
        state.drop()


def test_workers_are_refused_before_anything_changes_while_the_executor_is_local(worker_host):
    refused = worker_host.refused_local

    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.startswith(
        f"deploy.sh: --workers 2 needs executor: queue, but {worker_host.prefix}/etc/config.yaml "
        "says executor: local"
    )


def test_workers_are_refused_with_the_configs_own_error_on_a_sqlite_state_database(worker_host):
    refused = worker_host.refused_sqlite

    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr == (
        f"deploy.sh: {worker_host.prefix}/etc/config.yaml: executor: queue needs a PostgreSQL state "
        "database (database: postgres://…)\n"
    )


def test_workers_are_refused_where_nothing_is_installed_yet(tmp_path):
    result = subprocess.run(
        [ROOT / "deploy" / "deploy.sh", "--prefix", tmp_path / "pipekit", "--workers", "1"],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 1
    assert "nothing is installed" in result.stderr
    assert not (tmp_path / "pipekit").exists()


def test_with_executor_queue_it_deploys_then_reports_no_changes(worker_host):
    assert worker_host.first.returncode == 0, worker_host.first.stdout + worker_host.first.stderr
    assert worker_host.second.returncode == 0, worker_host.second.stdout + worker_host.second.stderr
    assert worker_host.second.stdout.splitlines()[-1] == "deploy: no changes"


def test_no_web_skips_static_files_and_nginx(worker_host):
    lines = worker_host.second.stdout.splitlines()

    assert any(re.fullmatch(r"static files +skipped \(--no-web\)", line) for line in lines)
    assert any(re.fullmatch(r"nginx +skipped \(--no-web\)", line) for line in lines)


def test_the_worker_unit_has_the_web_units_user_directory_config_and_sandbox(worker_host):
    etc = worker_host.prefix / "etc"
    web = unit_settings(etc / "pipekit.service")
    worker = unit_settings(worker_host.worker_unit)
    shared = ["User", "Group", "WorkingDirectory", "Environment", "ReadWritePaths"]
    shared += ["NoNewPrivileges", "ProtectSystem", "ProtectHome"]

    assert {key: worker[key] for key in shared} == {key: web[key] for key in shared}
    assert worker["User"] == worker_host.user
    prefix = worker_host.prefix
    assert worker["ExecStart"] == f"{prefix}/venv/bin/python {prefix}/app/manage.py worker"


def test_the_worker_unit_restarts_on_failure_and_stops_with_sigterm_as_readme_says(worker_host):
    worker = unit_settings(worker_host.worker_unit)

    assert worker["Restart"] == "on-failure"
    assert worker["KillSignal"] == "SIGTERM"
    assert worker["KillMode"] == "mixed"
    assert f"TimeoutStopSec={worker['TimeoutStopSec']}" in (ROOT / "README.md").read_text()


def test_the_units_worker_stops_cleanly_on_sigterm(worker_host):
    assert worker_host.stopped_with == 0, worker_host.worker_log.read_text()


MODULES = """
connections:
  - {{name: erp, driver: postgres, jdbc_url: "{source}", username: postgres}}
  - {{name: dw, driver: postgres, jdbc_url: "{dest}", username: postgres}}
modules:
  - name: orders
    source: erp
    dest: dw
    dest_table: public.orders
    strategy: full
    source_query: SELECT id, total FROM orders
    columns:
      - {{source_name: id, dest_name: id, dest_type: integer}}
      - {{source_name: total, dest_name: total, dest_type: "numeric(12,2)"}}
"""

START_RUN = """
from syncs.detached import start_detached_run
from syncs.models import Module
print(start_detached_run(Module.objects.get(name="orders"), trigger="manual").pk)
"""


def test_the_units_worker_runs_a_load_queued_on_the_web_host(worker_host, pg_db, pg_db2, tmp_path):
    pg_db.execute("CREATE TABLE orders (id integer, total numeric(12,2))")
    pg_db.execute("INSERT INTO orders VALUES (1, 10.50), (2, 99.99)")
    pg_db2.execute("CREATE TABLE orders (id integer, total numeric(12,2))")
    # Beside the prefix: the service user reads it there.
    modules = worker_host.prefix.parent / "modules.yaml"
    modules.write_text(MODULES.format(source=pg_db.jdbc_url, dest=pg_db2.jdbc_url))
    manage(worker_host.prefix, "import_config", modules).check_returncode()
    log = tmp_path / "worker.log"
    worker = start_unit(worker_host.worker_unit, log)
    try:
        started = manage(worker_host.prefix, "shell", "-v", "0", "-c", START_RUN)
        assert started.returncode == 0, started.stderr
        run_id = int(started.stdout)
        deadline = time.monotonic() + 300
        query = "SELECT status, worker, host FROM syncs_runlog WHERE id = %s"
        while (run := worker_host.state.rows(query, (run_id,))[0])[0] in ("queued", "running"):
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
    finally:
        stop(worker)

    status, worker_name, host = run
    assert status == "success", log.read_text()
    assert worker_name.startswith(f"{socket.gethostname()}-")
    assert host == socket.gethostname()
    assert pg_db2.rows("SELECT id, total::text FROM orders ORDER BY id") == [(1, "10.50"), (2, "99.99")]
