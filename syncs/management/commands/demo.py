import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo staff login (once) and print it."

    def handle(self, *args, **options):
        login_file = Path(settings.PIPEKIT_SECRETS_FILE).parent / "demo-login.txt"
        User = get_user_model()
        if not User.objects.filter(username="admin").exists() or not login_file.exists():
            password = secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(username="admin", defaults={"is_staff": True})
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.write_text(password + "\n")
            login_file.chmod(0o600)
        password = login_file.read_text().strip()
        self.stdout.write(f"Log in at {settings.PIPEKIT_BASE_URL}/ as admin / {password}")
