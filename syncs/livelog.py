"""A run's live log: jrunner progress collapsed to the latest count, written at most ~2 times a second."""

import re
import time

from django.utils import timezone

BARE_NUMBER = re.compile(r"^\s*\d+\s*$")
# The note a run writes once jrunner runs: from there on, its merge may have committed.
JRUNNER_STARTED = "jrunner started"


def collapse(lines, line):
    """Append line to lines, replacing a trailing bare-number line when line is one too."""
    if BARE_NUMBER.match(line) and lines and BARE_NUMBER.match(lines[-1]):
        lines[-1] = line
    else:
        lines.append(line)
    return lines


class LiveLog:
    """Collects a run's live log lines and saves them to the RunLog in batches."""

    interval = 0.5

    def __init__(self, run, text=""):
        self.run = run
        self.lines = text.splitlines()
        self.last_write = 0.0
        self.dirty = False

    @property
    def text(self):
        return "\n".join(self.lines) + ("\n" if self.lines else "")

    def line(self, line):
        """Add a line of jrunner output."""
        collapse(self.lines, line.rstrip("\r\n"))
        self.dirty = True
        if time.monotonic() - self.last_write >= self.interval:
            self.flush()

    def note(self, message):
        """Add a timestamped line from the engine and save at once."""
        stamp = timezone.localtime().strftime("%H:%M:%S")
        for line in message.splitlines() or [""]:
            self.lines.append(f"{stamp} {line}")
        self.flush()

    def flush(self):
        from syncs.models import RunLog

        self.run.live_log = self.text
        RunLog.objects.filter(pk=self.run.pk).update(live_log=self.run.live_log)
        self.last_write = time.monotonic()
        self.dirty = False
