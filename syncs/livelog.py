"""A run's live log: jrunner progress collapsed to the latest count, written at most ~2 times a second,
and capped to its first and last lines so a chatty run cannot grow the state database without end."""

import re
import time

from django.utils import timezone

# jrunner's row count so far, printed as a bare number (jrunner/README.md, "Progress").
BARE_NUMBER = re.compile(r"^\s*\d+\s*$")
# How the live log shows that count: one line, replaced by the next count.
PROGRESS = re.compile(r"^\d\d:\d\d:\d\d [\d,]+ rows so far$")
# A log longer than HEAD_LINES + TAIL_LINES keeps these and a count of the lines between.
HEAD_LINES = 200
TAIL_LINES = 800
# The note a run writes once jrunner runs: from there on, its merge may have committed.
JRUNNER_STARTED = "jrunner started"


def collapse(lines, line):
    """Append line to lines, replacing a trailing progress line when line is one too."""
    if PROGRESS.match(line) and lines and PROGRESS.match(lines[-1]):
        lines[-1] = line
    else:
        lines.append(line)
    return lines


def _stamp():
    return timezone.localtime().strftime("%H:%M:%S")


class LiveLog:
    """Collects a run's live log lines and saves them to the RunLog in batches."""

    interval = 0.5

    def __init__(self, run, text=""):
        """text: the log written so far, to add to (a dead run's log, settled by another process)."""
        self.run = run
        self.lines = text.splitlines()
        self.left_out = 0
        self.last_write = 0.0
        self.dirty = False

    @property
    def text(self):
        lines = self.lines
        if self.left_out:
            lines = [*lines[:HEAD_LINES], f"… {self.left_out} lines left out …", *lines[HEAD_LINES:]]
        return "\n".join(lines) + ("\n" if lines else "")

    def _cap(self):
        # The line after the head is the oldest of the tail: it leaves as each new line arrives.
        if len(self.lines) > HEAD_LINES + TAIL_LINES:
            del self.lines[HEAD_LINES]
            self.left_out += 1

    def line(self, line):
        """Add a line of jrunner output; a row count shows as "HH:MM:SS 12,345 rows so far"."""
        line = line.rstrip("\r\n")
        if BARE_NUMBER.match(line):
            line = f"{_stamp()} {int(line):,} rows so far"
        collapse(self.lines, line)
        self._cap()
        self.dirty = True
        if time.monotonic() - self.last_write >= self.interval:
            self.flush()

    def note(self, message, replace=None):
        """Add a timestamped line from the engine and save at once; replace: a one-line message
        replaces the last line when that one's message starts so (a state that changes)."""
        stamp = _stamp()
        if replace and self.lines and self.lines[-1][len(stamp) + 1 :].startswith(replace):
            self.lines.pop()
        for line in message.splitlines() or [""]:
            self.lines.append(f"{stamp} {line}")
            self._cap()
        self.flush()

    def flush(self):
        self.run.live_log = self.text
        # A RunLog or a Verification.
        type(self.run).objects.filter(pk=self.run.pk).update(live_log=self.run.live_log)
        self.last_write = time.monotonic()
        self.dirty = False
