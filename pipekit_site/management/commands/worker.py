import asyncio
import logging
import os
import signal
import socket
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from pipekit_site import queue
from scheduling.workers import HEARTBEAT_SECONDS, STALLED_AFTER, abandon_runs_of_dead_workers
from syncs.engine import stop_requested

log = logging.getLogger("pipekit.worker")

# How often a worker looks for the runs of dead workers (scheduling/workers.py): with a worker
# silent for STALLED_AFTER seconds counted dead, its runs end within STALLED_AFTER + this (and the
# time to settle them) after its last heartbeat.
SETTLE_EVERY = 10
# On SIGTERM or SIGINT the worker takes no new job and lets its running ones finish for this long,
# then cancels them (docs/ARCHITECTURE.md, "Starting a run").
DEFAULT_GRACE = 60


class Command(BaseCommand):
    help = (
        "Execute queued runs (executor: queue) in this process until stopped; start one or more "
        "on every host that shares the PostgreSQL state database. SIGTERM or SIGINT: no new run, "
        "running ones may finish for --grace seconds, then they are cancelled (a second signal "
        "cancels them at once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1, help="how many runs at once (default 1)")
        parser.add_argument(
            "--queues", default="", help="comma-separated queues to take jobs from (default: every queue)"
        )
        parser.add_argument(
            "--name", default=f"{socket.gethostname()}-{os.getpid()}", help="recorded on the runs it executes"
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=DEFAULT_GRACE,
            help=f"seconds running runs may go on after SIGTERM before they are cancelled "
            f"(default {DEFAULT_GRACE})",
        )

    def handle(self, *args, concurrency, queues, name, grace, **options):
        if settings.PIPEKIT_EXECUTOR != "queue":
            raise CommandError(
                f"{settings.CONFIG['path']}: executor is {settings.PIPEKIT_EXECUTOR}: each run starts "
                "as a process of its own and no worker is needed "
                "(executor: queue needs a PostgreSQL state database)"
            )
        if concurrency < 1:
            raise CommandError(f"--concurrency must be at least 1, not {concurrency}")
        if grace < 0:
            raise CommandError(f"--grace must not be negative, not {grace}")
        # For the journal: the worker's start and stop, and each job it takes and how it ended.
        logging.getLogger("procrastinate").setLevel(logging.INFO)
        # Imported here: procrastinate is an installed app only with executor: queue.
        from procrastinate.contrib.django import app
        from procrastinate.worker import Worker

        # The Django connector only defers jobs; a worker listens and polls through its own.
        with app.replace_connector(app.connector.get_worker_connector()):
            app.perform_import_paths()
            worker = Worker(
                app=app,
                queues=[q.strip() for q in queues.split(",") if q.strip()] or None,
                concurrency=concurrency,
                name=name,
                # The run log records each run; a job that succeeded has nothing more to say.
                delete_jobs="successful",
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_AFTER,
                # Our own handlers below: procrastinate's would wait for running jobs without a bound.
                install_signal_handlers=False,
            )
            asyncio.run(serve(app, worker, name, concurrency, grace))


async def serve(app, worker, name, concurrency, grace):
    """Run the worker until a signal stops it, settling dead workers' runs on the side."""
    loop = asyncio.get_running_loop()
    # procrastinate runs each job in a thread of the loop's default executor, which is smaller than
    # a high --concurrency; one more thread for side_work's database calls.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=concurrency + 1))
    stopping = []

    def stop(signum):
        if stopping:
            log.warning("%s again: cancelling the running runs now", signal.Signals(signum).name)
            stop_requested.set()
            return
        stopping.append(signum)
        log.warning("%s: no new run; running runs may finish for %s s", signal.Signals(signum).name, grace)
        worker.stop()
        # The engine polls stop_requested like a cancel: running loads end `cancelled`, their
        # destination as it was (syncs/engine.py CancelCheck).
        loop.call_later(grace, stop_requested.set)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signum)
    async with app.open_async():
        side = asyncio.create_task(side_work(app, worker, name))
        try:
            await worker.run()
        finally:
            side.cancel()
            await asyncio.gather(side, return_exceptions=True)


async def side_work(app, worker, name):
    """Once procrastinate registered the worker: say who it is, keep its heartbeat and settle the
    runs of dead workers until the worker stops; then forget who it was."""
    while worker.worker_id is None:
        await asyncio.sleep(0.1)
    worker_id = worker.worker_id
    await in_thread(queue.register_worker, worker_id, name)
    try:
        await asyncio.gather(keep_beating(app, worker_id), settle_dead_workers())
    finally:
        await in_thread(queue.unregister_worker, worker_id)


async def keep_beating(app, worker_id):
    """Beat every HEARTBEAT_SECONDS beside procrastinate, which stops its own beat as soon as the
    worker is asked to stop: runs may go on for --grace seconds, and without a beat other workers
    would count them dead (STALLED_AFTER) while they still load."""
    while True:
        try:
            await app.job_manager.update_heartbeat(worker_id)
        except Exception:
            # A state database down for a moment must not stop the worker; the next beat retries.
            log.exception("could not update the heartbeat")
        await asyncio.sleep(HEARTBEAT_SECONDS)


async def settle_dead_workers():
    """Every SETTLE_EVERY seconds end the runs of dead workers (scheduling/workers.py) and forget
    the workers procrastinate pruned."""
    while True:
        try:
            await in_thread(abandon_runs_of_dead_workers)
            await in_thread(queue.prune_gone_workers)
        except Exception:
            # As above: the next round retries.
            log.exception("could not settle the runs of dead workers")
        await asyncio.sleep(SETTLE_EVERY)


async def in_thread(function, *args):
    """Call function in a thread (Django's database calls may not run on the event loop) and close
    that thread's database connections after."""

    def call():
        try:
            return function(*args)
        finally:
            connections.close_all()

    return await asyncio.to_thread(call)
