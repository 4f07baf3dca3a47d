"""The run queue's task for group runs (`executor: queue`): `manage.py worker` executes it, in a
thread of the worker's own, as `manage.py run_group --group-run-id` would."""

from django.db import connections
from procrastinate.contrib.django import app

from connections import jrunner
from scheduling.engine import run_group
from scheduling.models import GroupRun


@app.task(name="run_group", pass_context=True)
def execute_group_run(context, run_id):
    """Execute the queued GroupRun run_id in this worker, its members one after another."""
    try:
        group_run = GroupRun.objects.select_related("group").filter(pk=run_id).first()
        if group_run is not None:
            # This worker slot's warm JVM runs the jrunner calls of every member.
            with jrunner.warm():
                run_group(group_run.group, group_run=group_run, worker=context.worker_name)
    finally:
        # This thread's own connections: the next job may run in another thread.
        connections.close_all()
