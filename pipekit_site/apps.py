from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class PipekitSiteConfig(AppConfig):
    """The project-wide app: what spans the other apps (config as code, the demo, doctor) and the
    configuration checks; it keeps the role groups (pipekit_site.roles)."""

    name = "pipekit_site"
    verbose_name = "Pipekit"

    def ready(self):
        from pipekit_site.checks import check_jrunner_path, check_secrets_file_mode
        from pipekit_site.roles import sync_roles

        checks.register(check_secrets_file_mode)
        checks.register(check_jrunner_path)
        post_migrate.connect(sync_roles, sender=self)
