import os
import re
import socket

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from connections.columns import type_problem
from connections.dialects.base import DELETED_AT
from connections.models import SECRET_REF_RE, Connection

IDENTIFIER_RE = r"^[A-Za-z_][A-Za-z0-9_]*$"
TOKEN_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
identifier_validator = RegexValidator(
    IDENTIFIER_RE, "Must be a plain SQL identifier: a letter or _, then letters, digits or _."
)


# How many successful runs the module list's trend shows.
TREND_RUNS = 20


class Strategy(models.TextChoices):
    FULL = "full", "Full refresh"
    INCREMENTAL = "incremental", "Incremental (delete by key + insert)"
    APPEND = "append", "Append"


class Clear(models.TextChoices):
    """How a full refresh empties the destination, inside the load's transaction."""

    DELETE = "delete", "DELETE: readers keep reading the old rows until the commit"
    TRUNCATE = "truncate", "TRUNCATE (PostgreSQL): faster, but every reader waits until the commit"


class Event(models.TextChoices):
    """What a channel may be told of a finished run (module or group)."""

    FAILURE = "failure"
    RECOVERY = "recovery", "recovery (the first success after a failure)"
    SUCCESS = "success"
    GUARD = "guard", "guard refusal"


# How the error of a run a guard refused starts (issue 15's guards).
GUARD_PREFIX = "guard: "
URL_HELP = (
    "A $NAME reference into the secrets file holding the webhook's address (it is a secret): "
    "'manage.py secrets set NAME' and enter $NAME here."
)


class ChannelKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook (a JSON POST)"
    SLACK = "slack", "Slack-compatible incoming webhook"


class Channel(models.Model):
    """Where notices go: modules and groups name channels in their `notify` lists."""

    name = models.CharField(max_length=63, unique=True, validators=[identifier_validator])
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    url = models.CharField(
        "URL",
        max_length=100,
        blank=True,
        validators=[RegexValidator(SECRET_REF_RE, URL_HELP)],
        help_text=URL_HELP,
    )
    to = models.JSONField(
        default=list,
        blank=True,
        help_text='E-mail addresses, as a list: ["ops@example.com"]; empty for config.yaml email.to.',
    )
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(url="") | models.Q(url__regex=SECRET_REF_RE),
                name="channel_url_is_secret_ref",
                violation_error_message=URL_HELP,
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.kind in (ChannelKind.WEBHOOK, ChannelKind.SLACK) and not self.url:
            errors["url"] = f"A {self.kind} channel needs its URL. {URL_HELP}"
        if self.kind == ChannelKind.EMAIL and self.url:
            errors["url"] = "An e-mail channel has no URL; it sends through config.yaml email."
        if not isinstance(self.to, list) or not all(isinstance(a, str) and "@" in a for a in self.to):
            errors["to"] = 'Must be a list of e-mail addresses: ["ops@example.com"].'
        elif self.to and self.kind != ChannelKind.EMAIL:
            errors["to"] = "Only an e-mail channel has addresses."
        if errors:
            raise ValidationError(errors)


def notify_problem(notify):
    """Return what is wrong with a `notify` list ([{channel, on: [events]}]), or '' when nothing is."""
    shape = "Must be a list of {channel: NAME, on: [failure, recovery, success, guard]}."
    if not isinstance(notify, list) or not all(isinstance(n, dict) for n in notify):
        return shape
    names = []
    for entry in notify:
        if set(entry) - {"channel", "on"} or not isinstance(entry.get("channel"), str):
            return shape
        on = entry.get("on", [Event.FAILURE])
        if not isinstance(on, list) or not on or not all(e in Event.values for e in on):
            return f"{entry['channel']}: on must list some of {', '.join(Event.values)}."
        names.append(entry["channel"])
    missing = sorted(set(names) - set(Channel.objects.filter(name__in=names).values_list("name", flat=True)))
    if missing:
        return f"There is no channel named {missing[0]}."
    if len(set(names)) != len(names):
        return "A channel is named twice."
    return ""


def notify_field():
    return models.JSONField(
        default=list,
        blank=True,
        help_text="Channels told of its runs: [{channel: NAME, on: [failure, recovery, success, guard]}]; "
        "on defaults to [failure].",
    )


class DeleteMissing(models.TextChoices):
    """What an incremental run does to destination rows whose key the source no longer has."""

    NONE = "none", "none: keep them"
    HARD = "hard", "hard: delete them"
    SOFT = "soft", "soft: set their deleted_at to the run's start"


def percent_field(help_text, **kwargs):
    return models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)], help_text=help_text, **kwargs
    )


class Module(models.Model):
    name = models.CharField(
        max_length=63, unique=True, validators=[identifier_validator], help_text="Names the staging table."
    )
    description = models.TextField(blank=True)
    source = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="source_modules")
    dest = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="dest_modules")
    source_query = models.TextField(help_text="May hold {watermark} tokens.")
    dest_table = models.CharField(max_length=200, help_text="schema.table (or table)")
    strategy = models.CharField(max_length=20, choices=Strategy.choices, default=Strategy.FULL)
    merge_key = models.JSONField(default=list, blank=True, help_text="Destination column names.")
    columns = models.JSONField(
        default=list,
        blank=True,
        help_text="Ordered list of {id, source_name, source_type, dest_name, dest_type, description}.",
    )
    enabled = models.BooleanField(default=True)
    full_refresh_clear = models.CharField(
        max_length=10,
        choices=Clear.choices,
        default=Clear.DELETE,
        help_text="How a full refresh straight into a PostgreSQL table empties it first.",
    )
    notify = notify_field()
    lock_timeout = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Seconds each database call of a run may wait for a lock (PostgreSQL lock_timeout, "
        "MariaDB lock wait timeouts, SQLite busy timeout); empty: the database's own default.",
    )
    # Guards: checked in the merge's transaction before it commits (syncs/guards.py).
    allow_empty = models.BooleanField(
        default=False,
        help_text="Let a full refresh empty a table that holds rows (when the source returns none).",
    )
    min_rows = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Refuse a run that stages fewer rows; empty: no minimum."
    )
    max_shrink_pct = percent_field(
        "Refuse a full refresh that would take more than this share of the table's rows away; "
        "empty: no limit.",
        null=True,
        blank=True,
    )
    delete_missing = models.CharField(
        max_length=10,
        choices=DeleteMissing.choices,
        default=DeleteMissing.NONE,
        help_text="Incremental modules: what happens to destination rows the key query no longer returns.",
    )
    key_query = models.TextField(
        blank=True,
        help_text="The source query returning the merge key of every row that should exist (in the "
        "merge key's order), e.g. SELECT id FROM orders WHERE created_at >= now() - interval '90 days'.",
    )
    delete_scope = models.TextField(
        blank=True,
        help_text="A condition on the destination table's columns matching the key query's narrowing "
        "(e.g. created_at >= now() - interval '90 days'); rows outside it are never touched. Empty: "
        "every row.",
    )
    max_delete_pct = percent_field(
        "Refuse a run that would delete (or mark) more than this share of the rows in scope.", default=10
    )
    # Runs (syncs/retries.py, syncs/engine.py).
    retries = models.PositiveSmallIntegerField(
        default=0,
        help_text="How many times a run that failed before its merge committed (a connection refused or "
        "dropped, a deadlock, a killed worker) is tried again.",
    )
    retry_delay = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text="Seconds before the first retry; each next one waits twice as long as the one before.",
    )
    timeout = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Seconds a run may last before it is stopped and ends in error, the destination "
        "unchanged; empty: no limit.",
    )
    running_run = models.ForeignKey(
        "syncs.RunLog", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # [seconds, rows] of the last TREND_RUNS successful real runs, oldest first, kept by
    # RunLog.finish so the module list draws trends without reading the run history.
    trend = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # The operator role's (pipekit_site.roles): modules and groups, by page, API or command.
        permissions = [("run_module", "Can run, cancel and unlock modules and groups")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(name__regex=IDENTIFIER_RE), name="module_name_is_identifier"
            ),
            models.CheckConstraint(
                condition=models.Q(delete_missing="none")
                | models.Q(strategy="incremental") & ~models.Q(key_query=""),
                name="module_delete_missing_is_incremental_with_key_query",
                violation_error_message="delete_missing needs an incremental module with a key query.",
            ),
            models.CheckConstraint(
                condition=~models.Q(strategy="incremental") | ~models.Q(merge_key=[]),
                name="module_incremental_has_merge_key",
                violation_error_message="An incremental module needs a merge key.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.dest_id and self.dest_table:
            try:
                self.dest.dialect.table_parts(self.dest_table)
            except ValueError as exc:
                errors["dest_table"] = f"Write it as schema.table or table: {exc}."
        columns_problem = self.columns_problem()
        if columns_problem:
            errors["columns"] = columns_problem
        notify_error = notify_problem(self.notify)
        if notify_error:
            errors["notify"] = notify_error
        if self.strategy == Strategy.INCREMENTAL and not self.merge_key:
            errors["merge_key"] = "An incremental module needs a merge key."
        elif not isinstance(self.merge_key, list) or not all(
            isinstance(k, str) and k for k in self.merge_key
        ):
            errors["merge_key"] = "Must be a list of destination column names."
        elif self.columns and not columns_problem:
            names = [c["dest_name"] for c in self.columns]
            missing = [k for k in self.merge_key if k not in names]
            if missing:
                errors["merge_key"] = f"Not a destination column: {', '.join(missing)}."
        if self.delete_missing != DeleteMissing.NONE:
            if self.strategy != Strategy.INCREMENTAL:
                errors["delete_missing"] = "Only an incremental module carries deletes over."
            elif not self.key_query.strip():
                errors["key_query"] = "delete_missing needs a key query returning the merge key of every row."
        if errors:
            raise ValidationError(errors)

    def columns_problem(self):
        """Return what is wrong with the columns list, or '' when nothing is."""
        if not isinstance(self.columns, list) or not all(isinstance(c, dict) for c in self.columns):
            return "Must be a list of {id, source_name, source_type, dest_name, dest_type, description}."
        for position, column in enumerate(self.columns, 1):
            for key in ("id", "dest_name", "dest_type"):
                if not isinstance(column.get(key), str) or not column[key]:
                    return f"Column {position} has no {key}."
            problem = type_problem(column["dest_type"])
            if problem:
                return f"Column {position} ({column['dest_name']}): {problem}"
        for key in ("id", "dest_name"):
            values = [c[key] for c in self.columns]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                return f"Two columns have the {key} {repeated[0]}."
        return ""

    def sharing_dest_table(self):
        """Return the other modules that load this module's destination table: the same database
        (JDBC URL) and table name, ignoring case; a name without a schema matches any schema."""
        try:
            schema, name = self.dest.dialect.split_table(self.dest_table)
        except ValueError:
            return []
        others = Module.objects.filter(dest__jdbc_url=self.dest.jdbc_url, dest_table__icontains=name)
        sharing = []
        for other in others.exclude(pk=self.pk).select_related("dest__driver"):
            other_schema, other_name = other.dest.dialect.split_table(other.dest_table)
            same_schema = not schema or not other_schema or schema.lower() == other_schema.lower()
            if same_schema and name.lower() == other_name.lower():
                sharing.append(other)
        return sharing

    def table_columns(self):
        """Return the columns the destination table is created with: the module's, and for a soft
        delete_missing the deleted_at timestamp its runs set."""
        if self.delete_missing != DeleteMissing.SOFT:
            return self.columns
        deleted_at = {"dest_name": DELETED_AT, "dest_type": self.dest.dialect.types["timestamp"]}
        return [*self.columns, deleted_at]

    def query_tokens(self):
        """Return the {token} names used in the source query, in order, without repeats."""
        return list(dict.fromkeys(TOKEN_RE.findall(self.source_query)))

    def add_to_trend(self, seconds, rows):
        """Append one successful run to the stored trend, keeping the last TREND_RUNS.

        Read and write without a lock: only the run holding the module's lock succeeds, so no
        two runs of one module get here at once."""
        trend = Module.objects.filter(pk=self.pk).values_list("trend", flat=True).get()
        self.trend = [*trend, [seconds, rows]][-TREND_RUNS:]
        Module.objects.filter(pk=self.pk).update(trend=self.trend)


def connection_or_dest_field(what):
    """The connection `what` runs on: optional, empty meaning the module's destination."""
    return models.ForeignKey(
        Connection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=f"Where {what} runs; empty for the module's destination.",
    )


class Watermark(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="watermarks")
    name = models.CharField(max_length=63, validators=[identifier_validator])
    resolver_sql = models.TextField(
        help_text="Its first cell is the value; e.g. SELECT max(updated_at) FROM …"
    )
    connection = connection_or_dest_field("the resolver")
    # NULL means "no default", which an empty string (a valid default) cannot say.
    default_value = models.TextField(  # noqa: DJ001
        null=True, blank=True, help_text="Used when the resolver returns no row or NULL."
    )

    class Meta:
        ordering = ["module", "name"]
        constraints = [
            models.UniqueConstraint(fields=["module", "name"], name="watermark_unique_name_per_module"),
        ]

    def __str__(self):
        return f"{self.module.name}.{self.name}"

    def resolver_connection(self):
        return self.connection or self.module.dest


class RunOn(models.TextChoices):
    SUCCESS = "success"
    FAILURE = "failure"
    ALWAYS = "always"


class Hook(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="hooks")
    name = models.CharField(max_length=100)
    sql = models.TextField()
    run_order = models.IntegerField(default=0)
    run_on = models.CharField(max_length=10, choices=RunOn.choices, default=RunOn.SUCCESS)
    connection = connection_or_dest_field("the hook")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["module", "run_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["module", "name"], name="hook_unique_name_per_module"),
        ]

    def __str__(self):
        return f"{self.module.name}.{self.name}"

    def target_connection(self):
        return self.connection or self.module.dest


class Status(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    ERROR = "error"
    CANCELLED = "cancelled"
    DRY_RUN = "dry_run"

    @classmethod
    def finished(cls):
        return [cls.SUCCESS, cls.ERROR, cls.CANCELLED, cls.DRY_RUN]

    @classmethod
    def unfinished(cls):
        return [cls.QUEUED, cls.RUNNING]


class Trigger(models.TextChoices):
    """What started a run. A group's or a schedule's trigger carries its id: `group:7`, `schedule:3`."""

    MANUAL = "manual", "manual"
    CLI = "cli", "cli"
    API = "api", "api"
    GROUP = "group", "group"
    SCHEDULE = "schedule", "schedule"

    @classmethod
    def of(cls, kind, pk):
        """Return the trigger of a group's or a schedule's run: of(Trigger.GROUP, 7) is "group:7"."""
        return f"{cls(kind).value}:{pk}"

    @classmethod
    def kind(cls, trigger):
        """Return the kind of a stored trigger: kind("schedule:3") is Trigger.SCHEDULE."""
        return cls(trigger.partition(":")[0])

    @classmethod
    def matching(cls, kind):
        """Return the filter that selects the runs started by that kind of trigger."""
        return models.Q(trigger_kind=cls(kind).value)

    @classmethod
    def kind_expression(cls):
        """The SQL of a stored trigger's kind, for RunRecord.trigger_kind."""
        return models.Case(
            *(
                models.When(trigger__startswith=f"{kind.value}:", then=models.Value(kind.value))
                for kind in (cls.GROUP, cls.SCHEDULE)
            ),
            default=models.F("trigger"),
        )


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        # The pid belongs to another user's process, so something is alive there.
        return True
    return True


# How the error of an abandoned run starts (the tick looks for them to clean up after).
ABANDONED = "abandoned: "
# How the error of a run refused by its module's lock starts.
NOT_STARTED = "not started: "


class RunRecord(models.Model):
    """The lifecycle a module run (RunLog) and a group run (GroupRun) share: queued → running →
    finished, each step one conditional UPDATE, so no process overwrites what another wrote."""

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(default=False)
    trigger = models.CharField(max_length=50, default=Trigger.MANUAL)
    # The trigger without its id, computed by the database, so history filters by kind on an index.
    trigger_kind = models.GeneratedField(
        expression=Trigger.kind_expression(), output_field=models.CharField(max_length=50), db_persist=True
    )
    triggered_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    pid = models.IntegerField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)
    # The `manage.py worker` that executed the run (executor: queue); empty for a process of its own.
    worker = models.CharField(max_length=100, blank=True)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        abstract = True

    @property
    def is_finished(self):
        return self.status in Status.finished()

    @property
    def duration(self):
        """Time from start to finish, or so far while running; None before it starts."""
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        if self.started_at:
            return timezone.now() - self.started_at
        return None

    def _unfinished(self):
        return type(self).objects.filter(pk=self.pk, status__in=Status.unfinished())

    def request_cancel(self):
        """Stop the run; return whether it was still unfinished.

        A queued run ends `cancelled` at once, so the process meant to run it finds it no longer
        queued and starts nothing; a running one is asked to stop (the flag its process polls)."""
        if self._end([Status.QUEUED], Status.CANCELLED, "cancelled before it started", cancel_requested=True):
            return True
        updated = self._unfinished().update(cancel_requested=True)
        self.refresh_from_db()
        return bool(updated)

    def start(self, worker=""):
        """Mark the queued run as running in this process (of the named worker, if one); return False,
        changing nothing, when it is no longer queued (cancelled or abandoned meanwhile, or started
        by another process)."""
        started = (
            type(self)
            .objects.filter(pk=self.pk, status=Status.QUEUED)
            .update(
                status=Status.RUNNING,
                started_at=timezone.now(),
                pid=os.getpid(),
                host=socket.gethostname(),
                worker=worker,
            )
        )
        self.refresh_from_db(fields=["status", "started_at", "pid", "host", "worker", "error", "finished_at"])
        return bool(started)

    def finish(self, status, error="", *, fields=()):
        """End an unfinished run with a final status and error, writing also the named fields.

        Return whether it was still unfinished: a finished run is never changed again and keeps its
        own ending. Only these columns are written, so a flag another process set meanwhile
        (cancel_requested) survives; the in-memory copy is refreshed to what is stored."""
        if status not in Status.finished():
            raise ValueError(f"{status!r} is not a final status")
        return self._end(Status.unfinished(), status, error, **{name: getattr(self, name) for name in fields})

    def never_started(self, why):
        """End a queued run that no process started (or will) as `error`, saying why.

        Return whether it was still queued: one a process started meanwhile is left to it."""
        return self._end([Status.QUEUED], Status.ERROR, why)

    def _end(self, statuses, status, error, **values):
        ending = {"status": status, "error": error, "finished_at": timezone.now()}
        updated = type(self).objects.filter(pk=self.pk, status__in=statuses).update(**ending, **values)
        self.refresh_from_db(fields=[*ending, "cancel_requested"])
        return bool(updated)

    def stale_reason(self):
        """Return why the run is no longer really running, or None when its process may be alive.

        Only a process on this host can be checked: a run of another host, or one not started yet
        (no pid), may be alive."""
        if self.is_finished:
            return f"that run already finished ({self.status})"
        if self.host == socket.gethostname() and self.pid and not pid_alive(self.pid):
            return f"its process {self.pid} on {self.host} is gone"
        return None

    def abandon(self, why):
        """Finish an unfinished run whose process is gone, so it does not show as running forever.

        Return whether it was still unfinished; one that finished meanwhile keeps its own ending."""
        return self.finish(Status.ERROR, f"{ABANDONED}{why}")


# The lifecycle columns, in the order the admin shows them on both kinds of run.
LIFECYCLE_FIELDS = [field.name for field in RunRecord._meta.fields]


class RunLog(RunRecord):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="runs")
    group_run = models.ForeignKey(
        "scheduling.GroupRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    watermark_values = models.JSONField(default=dict, blank=True)
    resolved_sql = models.TextField(blank=True)
    merge_sql = models.TextField(blank=True)
    # The counts of a run (docs/ARCHITECTURE.md, "Guards and counts"): rows read from the source,
    # rows counted in staging, and at the destination rows deleted, inserted (rows_merged) and
    # marked deleted (soft delete_missing).
    rows_read = models.BigIntegerField(null=True, blank=True)
    rows_staged = models.BigIntegerField(null=True, blank=True)
    rows_deleted = models.BigIntegerField(null=True, blank=True)
    rows_merged = models.BigIntegerField(null=True, blank=True)
    rows_marked = models.BigIntegerField(null=True, blank=True)
    # Run with --force / "Run anyway": the guards were not applied.
    forced = models.BooleanField(default=False)
    # Ended by a guard that --force overrides (so its page offers "Run anyway").
    refused_by_guard = models.BooleanField(default=False)
    load_path = models.CharField(max_length=30, blank=True)
    hook_results = models.JSONField(default=list, blank=True)
    # A backfill's given watermark values ({"values": {...}}, and for one chunk of a split range
    # "chunk": {"range", "number", "of"}); empty for a run that resolves its watermarks.
    backfill = models.JSONField(default=dict, blank=True)
    # How the source query's columns differed from the module's (syncs.schema.Drift.record).
    drift = models.JSONField(default=dict, blank=True)
    live_log = models.TextField(blank=True)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    # Retries (syncs/retries.py): the run this one tries again (a one-to-one: each failed run is
    # retried at most once, whoever asks), its attempt number, and when it may start.
    retry_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retry", editable=False
    )
    attempt = models.PositiveSmallIntegerField(default=1, editable=False)
    start_after = models.DateTimeField(null=True, blank=True, editable=False)
    # Ended by a failure a retry may cure: a database call failed, or its process died, before the
    # merge committed.
    retriable = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Run history, newest first, unfiltered or by dates; its keyset pages.
            models.Index(fields=["-created_at", "-id"], name="runlog_recent"),
            # The module list's last run, the module page and history by module.
            models.Index(fields=["module", "-created_at", "-id"], name="runlog_module_recent"),
            # Run history filtered by status, newest first.
            models.Index(fields=["status", "-created_at", "-id"], name="runlog_status_recent"),
            # Run history filtered by trigger.
            models.Index(fields=["trigger_kind", "-created_at", "-id"], name="runlog_trigger_recent"),
            # Pollers and the stale-lock check look only at unfinished runs.
            models.Index(
                fields=["status"],
                name="runlog_unfinished",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self):
        return f"run {self.pk} of {self.module.name} ({self.status})"

    def finish(self, status, error="", *, fields=()):
        finished = super().finish(status, error, fields=fields)
        if finished and self.status == Status.SUCCESS and not self.dry_run and self.started_at:
            seconds = (self.finished_at - self.started_at).total_seconds()
            rows = self.rows_merged if self.rows_merged is not None else (self.rows_staged or 0)
            self.module.add_to_trend(seconds, rows)
        return finished

    def abandon(self, why, *, retriable=False):
        """Finish the run whose process is gone; retriable: its merge is known not to have committed,
        so syncs.retries may try it again."""
        self.retriable = retriable
        return self.finish(Status.ERROR, f"{ABANDONED}{why}", fields=["retriable"])

    @property
    def was_refused(self):
        """Whether another run's lock kept this run from starting (see refuse)."""
        return self.status == Status.CANCELLED and self.error.startswith(NOT_STARTED)

    def refuse(self, why):
        """End a queued run that another run's lock kept from starting: `cancelled`, "not started:
        why", so it counts as no failure and as no module's last run (syncs.summaries)."""
        return self._end([Status.QUEUED], Status.CANCELLED, f"{NOT_STARTED}{why}")

    def _end(self, statuses, status, error, **values):
        ended = super()._end(statuses, status, error, **values)
        if ended:
            # A run queued from the web holds its module's lock before it starts (syncs.detached);
            # one that ends without starting (cancelled, never started) must not keep it.
            Module.objects.filter(pk=self.module_id, running_run=self.pk).update(
                running_run=None, locked_at=None
            )
        return ended

    def summary_line(self):
        """Return the one-line summary of a finished run: status, rows, seconds (and the error)."""
        rows = self.rows_merged if self.rows_merged is not None else 0
        seconds = self.duration.total_seconds() if self.duration else 0
        line = f"{self.module.name}: {self.status}, {rows:,} rows, {seconds:.1f} s (run {self.pk})"
        return f"{line}: {self.error}" if self.error else line


class FailedRun(RunLog):
    class Meta:
        proxy = True
        verbose_name = "failed run"


# The kinds of difference a verification counts, as first_keys names them, in words.
DIFFERENCE_KINDS = {
    "only_in_source": "only in source",
    "only_in_dest": "only in destination",
    "different": "different",
}


class Verification(RunRecord):
    """One comparison of a module's source rows with its destination table (syncs.verify). It ends
    `success` when every row matched, `error` when they differ (the counts say how) or when the
    comparison itself failed (no counts)."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="verifications")
    group_run = models.ForeignKey(
        "scheduling.GroupRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="verifications"
    )
    resolved_sql = models.TextField(blank=True)
    source_rows = models.BigIntegerField(null=True, blank=True)
    dest_rows = models.BigIntegerField(null=True, blank=True)
    matched = models.BigIntegerField(null=True, blank=True)
    only_in_source = models.BigIntegerField(null=True, blank=True)
    only_in_dest = models.BigIntegerField(null=True, blank=True)
    different = models.BigIntegerField(null=True, blank=True)
    # The first keys of each kind of difference: {"only_in_source": [[value, …], …], …}.
    first_keys = models.JSONField(default=dict, blank=True)
    # {dest column name: how many matched keys differ in it}.
    different_columns = models.JSONField(default=dict, blank=True)
    live_log = models.TextField(blank=True)

    # What a verification learns, written when it finishes.
    OUTCOME_FIELDS = [
        "source_rows",
        "dest_rows",
        "matched",
        "only_in_source",
        "only_in_dest",
        "different",
        "first_keys",
        "different_columns",
    ]

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The module page's latest verification.
            models.Index(fields=["module", "-created_at", "-id"], name="verification_module_recent"),
        ]

    def __str__(self):
        return f"verification {self.pk} of {self.module.name} ({self.status})"

    @property
    def counted(self):
        return self.matched is not None

    @property
    def differences(self):
        """Return the differences as words ("2 only in source, 1 different"), '' when there are none."""
        if not self.counted:
            return ""
        parts = [
            (self.only_in_source, "only in source"),
            (self.only_in_dest, "only in destination"),
            (self.different, "different"),
        ]
        return ", ".join(f"{n:,} {what}" for n, what in parts if n)

    @property
    def first_key_rows(self):
        """The first keys as (kind in words, key values as text) pairs, in the order reported."""
        return [
            (words, ", ".join("NULL" if v is None else v for v in key))
            for kind, words in DIFFERENCE_KINDS.items()
            for key in self.first_keys.get(kind, [])
        ]

    def summary_line(self):
        """Return the one-line outcome: "matched 1,000 rows", the differences, or the error."""
        if self.status == Status.SUCCESS:
            return f"{self.module.name}: matched {self.matched:,} rows (verification {self.pk})"
        return f"{self.module.name}: {self.status} (verification {self.pk}): {self.error}"


class NoticeStatus(models.TextChoices):
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Notice(models.Model):
    """One notice of a finished run (a module run or a group run) to one channel: each attempt
    and its outcome, shown on the run's page."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="notices")
    run = models.ForeignKey(RunLog, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    group_run = models.ForeignKey(
        "scheduling.GroupRun", null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    event = models.CharField(max_length=10, choices=Event.choices)
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.SENDING)
    # [{"at": ISO time, "outcome": "HTTP 200" | "timed out after 5 s" | …}], one per attempt.
    attempts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(run__isnull=True) ^ models.Q(group_run__isnull=True),
                name="notice_of_one_run",
            ),
        ]

    def __str__(self):
        return f"{self.event} notice to {self.channel.name} ({self.status})"
