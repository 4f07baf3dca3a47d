"""The project's own tables: API tokens and the failed API authentications that rate-limit
guessing. Both live in the state database, so every gunicorn worker and every host shares them."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# A client address or a user name with this many failed authentications within FAILURE_WINDOW
# is refused (429) until the oldest of them is older than the window.
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=5)
# last_used_at is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_hash(secret):
    # A token is 256 random bits, so a fast hash is as safe as a slow one and costs nothing per request.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A user's API credential: `Authorization: Bearer <secret>`. Only the secret's hash is
    stored; the secret is shown once, when the token is made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.user}: {self.name or f'token {self.pk}'}"

    @classmethod
    def issue(cls, user, name=""):
        """Make a token for the user; return (token, secret). The secret is not stored."""
        secret = f"pk_{secrets.token_urlsafe(32)}"
        return cls.objects.create(user=user, name=name, key_hash=token_hash(secret)), secret

    @classmethod
    def user_for(cls, secret):
        """Return the active user whose token this is, noting its use, or None."""
        token = cls.objects.select_related("user").filter(key_hash=token_hash(secret)).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user


class AuthFailure(models.Model):
    """One failed API authentication: from which address, naming which user (if any)."""

    address = models.CharField(max_length=45)
    username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["address", "-at"], name="authfailure_address_recent"),
            models.Index(fields=["username", "-at"], name="authfailure_username_recent"),
            models.Index(fields=["at"], name="authfailure_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.address} {self.username}"

    @classmethod
    def note(cls, address, username):
        """Record a failure, and forget those that no longer count."""
        now = timezone.now()
        cls.objects.filter(at__lt=now - FAILURE_WINDOW).delete()
        cls.objects.create(address=address, username=username, at=now)

    @classmethod
    def retry_after(cls, address, username):
        """Return how many seconds the address or the user name must wait, 0 when it need not."""
        now = timezone.now()
        waits = [0]
        scopes = [models.Q(address=address)] + ([models.Q(username=username)] if username else [])
        for scope in scopes:
            recent = cls.objects.filter(scope, at__gte=now - FAILURE_WINDOW).order_by("-at")
            oldest_counted = recent.values_list("at", flat=True)[MAX_FAILURES - 1 : MAX_FAILURES].first()
            if oldest_counted is not None:
                waits.append(int((oldest_counted + FAILURE_WINDOW - now).total_seconds()) + 1)
        return max(waits)


class QueueWorker(models.Model):
    """Who a `manage.py worker` is (executor: queue): procrastinate's worker row has only an id and
    the heartbeat, so the Queue page reads the name, host and pid here, by that id. A worker writes
    its row when it starts and deletes it when it stops; a killed worker's row goes with its
    procrastinate row (pipekit_site/queue.py prune_gone_workers)."""

    procrastinate_id = models.BigIntegerField(unique=True)
    name = models.CharField(max_length=100)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} on {self.host}"
