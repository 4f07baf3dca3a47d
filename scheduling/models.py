import difflib
import zoneinfo
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, croniter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone as dj_timezone

from scheduling.cron_words import describe
from syncs.models import Module, RunRecord, Status, notify_field, notify_problem

CRON_NAMES = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
CRON_FIELDS = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day-of-month", "1-31"),
    ("month", "1-12 or jan-dec"),
    ("day-of-week", "0-7 or sun-sat"),
)


def validate_cron(value):
    """Reject anything but five cron fields or an @daily-style name, naming the part that is wrong."""
    value = value.strip()
    if value.startswith("@"):
        if value.lower() not in CRON_NAMES:
            raise ValidationError(f"{value!r} is not a cron name; use one of {', '.join(CRON_NAMES)}.")
        return
    fields = value.split()
    if len(fields) != 5:
        raise ValidationError(
            f"{value!r} has {len(fields)} fields; a cron expression has 5 "
            "(minute hour day-of-month month day-of-week) or is a name like @daily."
        )
    for i, field in enumerate(fields):
        # Check each field alone (the others as *), so the message can name the bad one.
        if not croniter.is_valid(" ".join(field if j == i else "*" for j in range(5))):
            name, allowed = CRON_FIELDS[i]
            raise ValidationError(f"{value!r}: the {name} field {field!r} is not valid ({allowed}).")
    if not croniter.is_valid(value):
        raise ValidationError(f"{value!r} is not a valid cron expression.")
    try:
        croniter(value, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        raise ValidationError(f"{value!r} never fires: no date matches it.") from None


def validate_timezone(value):
    """Reject a name that is not an IANA time zone, suggesting the closest one."""
    if not value:
        return
    zones = zoneinfo.available_timezones()
    if value not in zones:
        close = difflib.get_close_matches(value, zones, n=1)
        hint = f"did you mean {close[0]}?" if close else "e.g. Europe/Paris, America/New_York, UTC."
        raise ValidationError(f"{value!r} is not a known time zone; {hint}")


class Group(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    stop_on_failure = models.BooleanField(default=False)
    notify = notify_field()
    modules = models.ManyToManyField(Module, through="GroupMember", related_name="groups")
    # The minute of the last tick that started a run of the group: one tick, one group run.
    fired_in_tick = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        enabled_again = (
            self.pk is not None and self.enabled and Group.objects.filter(pk=self.pk, enabled=False).exists()
        )
        super().save(*args, **kwargs)
        if enabled_again:
            # Like a schedule enabled again: the times missed while the group was off do not fire.
            self.schedules.update(counts_from=dj_timezone.now())

    def clean(self):
        problem = notify_problem(self.notify)
        if problem:
            raise ValidationError({"notify": problem})

    def add_member(self, module):
        """Put the module last in the run order; a module already in the group stays where it is."""
        last = self.members.aggregate(last=Max("run_order"))["last"] or 0
        member, _ = GroupMember.objects.get_or_create(
            group=self, module=module, defaults={"run_order": last + 1}
        )
        return member

    def member_ids(self):
        """The ids of the members, in run order."""
        return list(self.members.values_list("id", flat=True))

    def reorder(self, member_ids):
        """Number the members 1, 2, … in the order of member_ids, which must list each member once.

        Raise ValueError when they do not (the members changed since the list was read)."""
        with transaction.atomic():
            current = list(self.members.select_for_update().values_list("id", flat=True))
            if sorted(current) != sorted(member_ids):
                raise ValueError("the members changed meanwhile")
            for position, member_id in enumerate(member_ids, start=1):
                GroupMember.objects.filter(pk=member_id).update(run_order=position)

    def move_member(self, member_id, offset):
        """Move a member `offset` places later in the run order (earlier when negative), within the list."""
        ids = self.member_ids()
        old = ids.index(member_id)
        ids.insert(min(max(old + offset, 0), len(ids) - 1), ids.pop(old))
        self.reorder(ids)

    def claim_tick(self, minute):
        """Record that the tick of `minute` starts a run of the group; return False when a tick of
        that minute already did (another of the group's schedules, in this process or another)."""
        not_yet = Q(fired_in_tick__isnull=True) | Q(fired_in_tick__lt=minute)
        return Group.objects.filter(not_yet, pk=self.pk).update(fired_in_tick=minute) == 1


class Step(models.TextChoices):
    """What a group member does with its module."""

    RUN = "run", "run the module"
    VERIFY = "verify", "verify the module (compare source and destination, write nothing)"


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="memberships")
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.RUN)
    run_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["group", "run_order", "id"]
        constraints = [
            # A module may be run, and verified after, in one group.
            models.UniqueConstraint(
                fields=["group", "module", "step"], name="groupmember_unique_module_step_per_group"
            ),
        ]

    def __str__(self):
        suffix = " (verify)" if self.step == Step.VERIFY else ""
        return f"{self.group.name}: {self.module.name}{suffix}"


def with_members(groups):
    """The groups of the queryset as a list, each with its schedules and `member_rows`: its members
    in order as dicts of module_id, module (the module's name), run_order and step; three queries.

    Plain values joined to the modules: a thousand member and module instances cost a page hundreds
    of milliseconds, and prefetching the modules separately would list every grouped module's id in
    one query, which SQLite refuses past about a thousand."""
    groups = list(groups.prefetch_related("schedules"))
    rows = defaultdict(list)
    members = GroupMember.objects.filter(group__in=[group.pk for group in groups])
    for group_id, module_id, name, run_order, step in members.values_list(
        "group_id", "module_id", "module__name", "run_order", "step"
    ):
        rows[group_id].append({"module_id": module_id, "module": name, "run_order": run_order, "step": step})
    for group in groups:
        group.member_rows = rows[group.pk]
    return groups


class GroupRun(RunRecord):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="runs")
    # The group run whose queue worker died, this one going on where it stopped (at most one).
    resumes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resumed_by", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The group page lists a group's latest runs.
            models.Index(fields=["group", "-created_at"], name="grouprun_group_recent"),
        ]

    def __str__(self):
        return f"group run {self.pk} of {self.group.name} ({self.status})"

    def succeeded_modules(self):
        """The ids of the modules whose run in this group run succeeded."""
        return set(self.runs.filter(status=Status.SUCCESS).values_list("module_id", flat=True))

    def request_cancel(self):
        """Ask the group run to stop: cancel its current module run and skip the rest.

        Return whether the group run was still unfinished."""
        unfinished = super().request_cancel()
        if unfinished:
            self.runs.filter(status__in=Status.unfinished()).update(cancel_requested=True)
        return unfinished


class Schedule(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="schedules")
    cron = models.CharField(max_length=100, validators=[validate_cron], help_text="e.g. 30 2 * * * or @daily")
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="Empty for the configured time zone.",
    )
    enabled = models.BooleanField(default=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    # No time at or before this one fires. Set when the schedule is made, enabled again (or its
    # group is) or given another cron or time zone: a time missed on purpose is not caught up.
    counts_from = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["group", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(cron=""), name="schedule_cron_not_empty"),
        ]

    def __str__(self):
        return f"{self.group.name}: {self.cron} ({self.zone_name})"

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.counts_from = self.created_at
        elif self.fires_differently():
            self.counts_from = dj_timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = [*kwargs["update_fields"], "counts_from"]
        super().save(*args, **kwargs)

    def fires_differently(self):
        """Whether saving turns the schedule on, or changes its times, against the stored row."""
        stored = Schedule.objects.filter(pk=self.pk).values("cron", "timezone", "enabled").first()
        if stored is None:
            return False
        turned_on = self.enabled and not stored["enabled"]
        return turned_on or self.cron != stored["cron"] or self.timezone != stored["timezone"]

    def fires_after(self):
        """The time after which the schedule's next slot fires: its last firing or counts_from."""
        return max(self.last_fired_at or self.counts_from, self.counts_from)

    @property
    def zone_name(self):
        return self.timezone or settings.TIME_ZONE

    @property
    def in_words(self):
        """The expression in words with its zone: "at 04:00 on weekdays, America/New_York"."""
        return f"{describe(self.expression)}, {self.zone_name}"

    @property
    def expression(self):
        # The validator allows spaces around the text (a quoted YAML value keeps them); croniter does not.
        return self.cron.strip()

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.zone_name)

    def latest_fire_time(self, now=None):
        """Return the last fire time at or before now, aware, in the schedule's zone."""
        # get_prev is strictly before its start, so start at the next whole minute (in UTC: adding
        # to a local time is wall-clock arithmetic, wrong across a daylight-saving change).
        now = (now or dj_timezone.now()).astimezone(UTC)
        start = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        times = croniter(self.expression, start.astimezone(self.zone))
        while True:
            when = times.get_prev(datetime)
            if not self._repeats_a_wall_time(when):
                return when

    def next_fire_times(self, count=3, after=None):
        """Return the next `count` fire times, as aware datetimes in the schedule's zone."""
        times = croniter(self.expression, (after or dj_timezone.now()).astimezone(self.zone))
        result = []
        while len(result) < count:
            when = times.get_next(datetime)
            if not self._repeats_a_wall_time(when):
                result.append(when)
        return result

    def _repeats_a_wall_time(self, when):
        """Whether `when` is the second pass of the hour that repeats when clocks go back, on a
        schedule at fixed hours: like cron, a `30 1 * * *` job runs once that night, while a job
        whose hour field is `*` keeps running every real hour. (Times that clocks skip when they go
        forward fire at the first real time after them, e.g. 02:30 fires at 03:00.)"""
        if when.fold == 0 or when.replace(fold=0).utcoffset() == when.utcoffset():
            return False
        return croniter.expand(self.expression)[0][1] != ["*"]


class Chore(models.Model):
    """A task the tick does now and then (pruning runs once a day): when it was last done."""

    name = models.CharField(max_length=50, unique=True)
    done_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name

    @classmethod
    def claim(cls, name, every, now=None):
        """Return whether the chore is due (not done within `every`), marking it done now.

        One conditional UPDATE decides, so of ticks racing in processes or on several hosts
        sharing the state database exactly one gets True."""
        now = now or dj_timezone.now()
        cls.objects.get_or_create(name=name)
        due = Q(done_at__isnull=True) | Q(done_at__lte=now - every)
        return cls.objects.filter(due, name=name).update(done_at=now) == 1
