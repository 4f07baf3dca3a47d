"""The run queue's task for module runs (`executor: queue`): `manage.py worker` executes it, in a
thread of the worker's own (one per `--concurrency`), as `manage.py run_module --run-id` would."""

from django.db import connections
from procrastinate.contrib.django import app

from connections import jrunner
from syncs.engine import run_module
from syncs.models import RunLog
from syncs.retries import retry_if_due


@app.task(name="run_module", pass_context=True)
def execute_run(context, run_id):
    """Execute the queued RunLog run_id in this worker; one cancelled while queued does not start. A
    failure a retry may cure queues its retry, a job deferred until its delay is over."""
    try:
        run = RunLog.objects.select_related("module").filter(pk=run_id).first()
        if run is not None:
            # This worker slot's warm JVM runs the run's jrunner calls.
            with jrunner.warm():
                run = run_module(run.module, run=run, worker=context.worker_name)
            retry_if_due(run)
    finally:
        # This thread's own connections: the next job may run in another thread.
        connections.close_all()
