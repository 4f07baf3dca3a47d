# The two commands: `make run` (demo) and `make test` (the whole suite).
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
JAVA_SRC := $(shell find jrunner/src -name '*.java' 2>/dev/null)
# Tests that also run with the state database on PostgreSQL.
PG_STATE_TESTS := tests/pipekit_site tests/connections/models tests/syncs/models \
	tests/scheduling/models tests/scheduling/engine/test_fire_schedules.py \
	tests/syncs/views/test_run_history.py tests/syncs/views/test_module_list.py
# Tests that run only with the run queue (executor: queue, on a PostgreSQL state database).
QUEUE_TESTS := tests/pipekit_site/commands/test_worker.py tests/pipekit_site/commands/test_worker_crash.py \
	tests/pipekit_site/commands/test_doctor_workers.py tests/pipekit_site/views/test_queue_page.py \
	tests/syncs/engine/test_retries_queued.py tests/pipekit_site/commands/test_worker_warm_jrunner.py

.PHONY: setup system run test lint jrunner

setup: system $(VENV)/.installed jrunner

system:
	@scripts/system-packages.sh python3 python3-venv default-jdk-headless libpostgresql-jdbc-java \
		libmariadb-java libxerial-sqlite-jdbc-java libjtds-java libjt400-java

$(VENV)/.installed: requirements.txt requirements-test.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -r requirements-test.txt
	touch $@

jrunner: jrunner/bin/jrunner

jrunner/bin/jrunner: $(JAVA_SRC) jrunner/build.sh
	jrunner/build.sh

run: export PIPEKIT_CONFIG ?= $(CURDIR)/config.dev.yaml
run: setup
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py drivers sync
	$(PY) manage.py demo
	@echo "Pipekit: http://127.0.0.1:$(PORT)/"
	@echo "For manage.py commands on this demo (README.md), first: export PIPEKIT_CONFIG=$(PIPEKIT_CONFIG)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run

# Lint first (it needs no server), then the pytest runs under one pair of throw-away
# PostgreSQL and MariaDB servers that scripts/test-servers.sh starts and removes. Each run names
# its config: the tests create and drop the state database of the one they read, so the demo's,
# exported for manage.py (README), must never reach them.
test: setup lint
	@scripts/system-packages.sh chromium cron libh2-java nginx openssl pgloader rsync sqlite3 time
	scripts/test-servers.sh sh -c 'PIPEKIT_CONFIG=$(CURDIR)/tests/config.yaml $(VENV)/bin/pytest && \
		PIPEKIT_CONFIG=$(CURDIR)/tests/config-pg.yaml $(VENV)/bin/pytest $(PG_STATE_TESTS) && \
		PIPEKIT_CONFIG=$(CURDIR)/tests/config-queue.yaml $(VENV)/bin/pytest $(QUEUE_TESTS)'
