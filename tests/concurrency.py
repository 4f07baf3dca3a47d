"""Measuring how many runs ran at once: from their recorded times, and from what the machine and
the databases show while they run."""

import os
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


def _processes():
    """{pid: (command name, parent pid)} of this host's processes."""
    processes = {}
    for process in Path("/proc").glob("[0-9]*"):
        try:
            stat = (process / "stat").read_text()
            name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
            processes[int(process.name)] = name, int(rest.split()[1])
        except (OSError, ValueError):
            continue
    return processes


def jvms_of(parent):
    """The pids of this host's JVMs (jrunner) whose parent is the process parent."""
    return {pid for pid, (name, ppid) in _processes().items() if name == "java" and ppid == parent}


def jvms_of_children():
    """Return a count of this host's JVMs (jrunner) whose parent is a process this one started: the
    runs' processes, whatever they read."""
    me = os.getpid()

    def count():
        processes = _processes()
        jvm_parents = [parent for name, parent in processes.values() if name == "java"]
        return sum(1 for parent in jvm_parents if processes.get(parent, ("", 0))[1] == me)

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
