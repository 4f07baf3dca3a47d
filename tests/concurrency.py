"""Measuring how many runs ran at once: from their recorded times, and from what the machine and
the databases show while they run."""

import threading
import time
from pathlib import Path


def most_at_once(runs):
    """The highest number of the finished runs that were running at the same moment, from their
    recorded start and finish (at the same instant, a finish counts before a start)."""
    events = sorted([(r.started_at, 1) for r in runs] + [(r.finished_at, -1) for r in runs])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


class Watch(threading.Thread):
    """Calls count() every 20 ms until stopped, keeping the highest count seen in .most."""

    def __init__(self, count):
        super().__init__(daemon=True)
        self.count, self.most, self.done = count, 0, threading.Event()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.join()

    def run(self):
        while not self.done.is_set():
            self.most = max(self.most, self.count())
            time.sleep(0.02)


def jvms_reading(database):
    """Return a count of this host's JVMs (jrunner) whose command line names the test database."""

    def count():
        found = 0
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                args = cmdline.read_bytes().split(b"\0")
            except OSError:
                continue
            if args[0].endswith(b"java") and any(database.name.encode() in arg for arg in args):
                found += 1
        return found

    return count


def sleeping_statements(conn):
    """Return a count of the statements sleeping (pg_sleep) in the PostgreSQL database of the
    psycopg connection conn, other than its own."""

    def count():
        [(found,)] = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'active' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()"
        ).fetchall()
        return found

    return count
