import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from connections import secrets

KIND_CHOICES = [
    ("postgres", "PostgreSQL"),
    ("mariadb", "MariaDB / MySQL"),
    ("sqlite", "SQLite"),
    ("mssql", "SQL Server"),
    ("db2i", "DB2 for i"),
]

SECRET_REF_RE = r"^\$[A-Za-z_][A-Za-z0-9_]*$"
PASSWORD_HELP = (
    "Empty, or a $NAME reference into the secrets file. Store the password itself with "
    "'manage.py secrets set NAME' and enter $NAME here."
)
LITERAL_PASSWORD = "A literal password is not stored. " + PASSWORD_HELP
# A password written into a JDBC URL: a parameter whose name ends in password or pwd, after
# ?, & (PostgreSQL, MariaDB) or ; (jTDS, jt400), in any case; or user:secret@ before the host.
# Plain enough for both Python's re and PostgreSQL's regex (the constraint).
URL_PASSWORD_RE = r"[?&;][^=?&;]*(password|pwd) *=|//[^/@?;]*:[^/@?;]*@"


def validate_url_has_no_password(url):
    if re.search(URL_PASSWORD_RE, url, re.IGNORECASE):
        raise ValidationError(LITERAL_PASSWORD)


class Driver(models.Model):
    name = models.CharField(max_length=50, unique=True)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    jars = models.JSONField(default=list, blank=True, help_text="Paths of the driver's jar files.")
    class_name = models.CharField(max_length=200)
    url_template = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def missing_jars(self):
        """Return the jar paths that do not exist on this host."""
        from pathlib import Path

        return [jar for jar in self.jars if not Path(jar).is_file()]


class Connection(models.Model):
    # What an operator sets, in this order: the connection form edits these and config YAML holds them.
    SETTINGS = [
        "name",
        "driver",
        "jdbc_url",
        "username",
        "password",
        "staging_schema",
        "max_parallel_runs",
        "description",
    ]

    name = models.CharField(max_length=100, unique=True)
    driver = models.ForeignKey(Driver, on_delete=models.PROTECT, related_name="connections")
    jdbc_url = models.CharField("JDBC URL", max_length=500, validators=[validate_url_has_no_password])
    username = models.CharField(max_length=200, blank=True)
    password = models.CharField(
        max_length=200,
        blank=True,
        help_text=PASSWORD_HELP,
        validators=[RegexValidator(SECRET_REF_RE, LITERAL_PASSWORD)],
    )
    staging_schema = models.CharField(
        max_length=100, blank=True, help_text="Where staging tables go; empty for the dialect's default."
    )
    description = models.TextField(blank=True)
    max_parallel_runs = models.PositiveIntegerField(
        "maximum parallel runs",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="At most this many runs reading from or writing to this connection at once, on every "
        "host; the others wait, queued. Empty: no cap.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(password="") | models.Q(password__regex=SECRET_REF_RE),
                name="connection_password_is_secret_ref",
                violation_error_message=LITERAL_PASSWORD,
            ),
            models.CheckConstraint(
                condition=~models.Q(jdbc_url__iregex=URL_PASSWORD_RE),
                name="connection_url_has_no_password",
                violation_error_message=LITERAL_PASSWORD,
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def dialect(self):
        from connections.dialects import get_dialect

        return get_dialect(self.driver.kind)

    @property
    def kind(self):
        return self.driver.kind

    def resolve_password(self):
        """Return the password from the secrets file ('' when none is set)."""
        return secrets.resolve(self.password) if self.password else ""

    def effective_staging_schema(self):
        return self.staging_schema or self.dialect.default_staging_schema
