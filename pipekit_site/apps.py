from django.apps import AppConfig
from django.core import checks


class PipekitSiteConfig(AppConfig):
    """The project-wide app: what spans the other apps (config as code, the demo, doctor) and the
    configuration checks."""

    name = "pipekit_site"
    verbose_name = "Pipekit"

    def ready(self):
        from pipekit_site.checks import check_jrunner_path, check_secrets_file_mode

        checks.register(check_secrets_file_mode)
        checks.register(check_jrunner_path)
