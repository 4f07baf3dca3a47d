import zoneinfo
from datetime import datetime

from croniter import croniter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as dj_timezone

from syncs.models import Module, Status


def validate_cron(value):
    """Reject anything but five cron fields or an @daily-style name."""
    fields = value.split()
    if value.strip().startswith("@"):
        if value.strip() not in (
            "@yearly",
            "@annually",
            "@monthly",
            "@weekly",
            "@daily",
            "@midnight",
            "@hourly",
        ):
            raise ValidationError(
                f"{value!r} is not a known cron name (@hourly, @daily, @weekly, @monthly, @yearly)."
            )
    elif len(fields) != 5:
        raise ValidationError(
            f"{value!r} has {len(fields)} fields; a cron expression has 5 (minute hour day month weekday)."
        )
    if not croniter.is_valid(value):
        raise ValidationError(f"{value!r} is not a valid cron expression.")


def validate_timezone(value):
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"{value!r} is not a known time zone (e.g. Europe/Paris, America/New_York, UTC)."
        )


class Group(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    stop_on_failure = models.BooleanField(default=False)
    modules = models.ManyToManyField(Module, through="GroupMember", related_name="groups")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="memberships")
    run_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["group", "run_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "module"], name="groupmember_unique_module_per_group"),
        ]

    def __str__(self):
        return f"{self.group.name}: {self.module.name}"


class GroupRun(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(default=False)
    trigger = models.CharField(max_length=50, default="manual")
    triggered_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    pid = models.IntegerField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The group page lists a group's latest runs.
            models.Index(fields=["group", "-created_at"], name="grouprun_group_recent"),
        ]

    def __str__(self):
        return f"group run {self.pk} of {self.group.name} ({self.status})"

    @property
    def is_finished(self):
        return self.status in Status.finished()

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


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

    class Meta:
        ordering = ["group", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(cron=""), name="schedule_cron_not_empty"),
        ]

    def __str__(self):
        return f"{self.group.name}: {self.cron} ({self.zone_name})"

    @property
    def zone_name(self):
        return self.timezone or settings.TIME_ZONE

    def next_fire_times(self, count=3, after=None):
        """Return the next `count` fire times, as aware datetimes in the schedule's zone."""
        zone = zoneinfo.ZoneInfo(self.zone_name)
        start = (after or dj_timezone.now()).astimezone(zone)
        it = croniter(self.cron, start)
        return [it.get_next(datetime) for _ in range(count)]
