"""Module locks held by hand, as a run in another process would hold them."""

import socket
import subprocess

from django.utils import timezone

from syncs.models import Module, RunLog, Status


def hold_lock(module, pid, host=None, status=Status.RUNNING):
    """Lock module for a new run of the given status, as if started by pid on host (this one by default)."""
    holder = RunLog.objects.create(
        module=module, status=status, pid=pid, host=host or socket.gethostname(), started_at=timezone.now()
    )
    Module.objects.filter(pk=module.pk).update(running_run=holder, locked_at=timezone.now())
    return holder


def dead_pid():
    """The pid of a process that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid
