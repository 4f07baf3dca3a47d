"""The Queue page: queued runs in order with what each waits for, running runs with their host and
worker, and with `executor: queue` the workers and their last heartbeat."""

import re
import socket
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from scheduling.models import Group, GroupRun
from syncs.detached import start_detached_run
from syncs.livelog import JRUNNER_STARTED
from syncs.models import RunLog, Status
from tests.queue import needs_queue, wait_logged


def rows(page, table):
    """The text of each row of the page's table with that id, tags and extra spaces left out."""
    body = re.search(rf'<table class="runs" id="{table}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    found = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in found]


@pytest.mark.django_db(transaction=True)
@needs_queue
def test_it_shows_queued_runs_in_order_with_what_they_wait_for_running_runs_and_workers(
    make_slow_module, make_orders_module, start_workers, viewer_client
):
    slow = make_slow_module()
    start_workers("w1", grace=0)
    running = start_detached_run(slow, trigger="manual")
    wait_logged(running, JRUNNER_STARTED)
    waiting = start_detached_run(make_orders_module(1), trigger="manual")
    # A run queued behind another's module lock (a group member), and one whose connection is full.
    behind = RunLog.objects.create(module=slow, trigger="group:1")
    capped = RunLog.objects.create(
        module=make_orders_module(2), live_log="12:00:00 waits for a slot of connection dw (2 of 2 running)\n"
    )
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"))

    page = viewer_client.get("/queue/").content.decode()

    assert rows(page, "queued") == [
        f"1 #{waiting.pk} orders_1 just now a free worker",
        f"2 #{behind.pk} slow just now the module lock of run {running.pk}",
        f"3 #{capped.pk} orders_2 just now 12:00:00 waits for a slot of connection dw (2 of 2 running)",
        f"4 group run #{group_run.pk} nightly just now a free worker",
    ]
    [row] = rows(page, "running")
    assert row.startswith(f"#{running.pk} slow {socket.gethostname()} w1 ")
    [worker] = rows(page, "workers")
    assert worker.startswith("w1 #") and f" {socket.gethostname()} " in worker


@pytest.mark.django_db
@pytest.mark.skipif(settings.PIPEKIT_EXECUTOR != "local", reason="the local executor's page")
def test_with_the_local_executor_it_lists_the_runs_and_says_workers_are_not_used(
    make_items_module, viewer_client
):
    module = make_items_module()
    queued = RunLog.objects.create(module=module, created_at=timezone.now() - timedelta(minutes=5))
    running = RunLog.objects.create(
        module=make_items_module(name="other"),
        status=Status.RUNNING,
        started_at=timezone.now(),
        host="web1",
        pid=4242,
    )

    page = viewer_client.get("/queue/").content.decode()

    assert "workers are not used" in page
    assert 'id="workers"' not in page
    assert rows(page, "queued") == [f"1 #{queued.pk} items 5 minutes ago its process to start"]
    [row] = rows(page, "running")
    assert row.startswith(f"#{running.pk} other web1 — 4242 ")


@pytest.mark.django_db
def test_the_navigation_links_to_it_for_every_role(viewer_client):
    page = viewer_client.get("/queue/").content.decode()

    assert '<a href="/queue/" class="active">Queue</a>' in page
