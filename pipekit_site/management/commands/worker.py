import logging
import os
import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Execute queued runs (executor: queue) in this process until stopped; start one or more "
        "on every host that shares the PostgreSQL state database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1, help="how many runs at once (default 1)")
        parser.add_argument(
            "--queues", default="", help="comma-separated queues to take jobs from (default: every queue)"
        )
        parser.add_argument(
            "--name", default=f"{socket.gethostname()}-{os.getpid()}", help="recorded on the runs it executes"
        )

    def handle(self, *args, concurrency, queues, name, **options):
        if settings.PIPEKIT_EXECUTOR != "queue":
            raise CommandError(
                f"{settings.CONFIG['path']}: executor is {settings.PIPEKIT_EXECUTOR}: each run starts "
                "as a process of its own and no worker is needed "
                "(executor: queue needs a PostgreSQL state database)"
            )
        if concurrency < 1:
            raise CommandError(f"--concurrency must be at least 1, not {concurrency}")
        # For the journal: the worker's start and stop, and each job it takes and how it ended.
        logging.getLogger("procrastinate").setLevel(logging.INFO)
        # Imported here: procrastinate is an installed app only with executor: queue.
        from procrastinate.contrib.django import app

        # The Django connector only defers jobs; a worker listens and polls through its own.
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(
                queues=[q.strip() for q in queues.split(",") if q.strip()] or None,
                concurrency=concurrency,
                name=name,
                # The run log records each run; a job that succeeded has nothing more to say.
                delete_jobs="successful",
            )
