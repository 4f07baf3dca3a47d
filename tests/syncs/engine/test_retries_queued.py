"""Retries with `executor: queue`: the retry of a failed run is a job deferred until its delay is
over. Only with tests/config-queue.yaml (the Makefile's QUEUE_TESTS)."""

import pytest
from django.conf import settings
from django.db import connection

from syncs.models import RunLog, Status
from syncs.retries import retry_if_due

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.PIPEKIT_EXECUTOR != "queue",
        reason="needs executor: queue (PIPEKIT_CONFIG=tests/config-queue.yaml)",
    ),
]


def test_the_retry_of_a_failed_run_is_a_job_deferred_until_its_start_time(orders_copy_module):
    # Imported here: procrastinate is an installed app only with executor: queue.
    from procrastinate.contrib.django.models import ProcrastinateJob

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs CASCADE")
    orders_copy_module.retries = 1
    orders_copy_module.save()
    failed = RunLog.objects.create(module=orders_copy_module, status=Status.ERROR, retriable=True)

    retry = retry_if_due(failed)

    assert (retry.status, retry.retry_of, retry.attempt) == (Status.QUEUED, failed, 2)
    [job] = ProcrastinateJob.objects.all()
    assert (job.task_name, job.args, job.status) == ("run_module", {"run_id": retry.pk}, "todo")
    assert job.scheduled_at == retry.start_after
