from django.apps import AppConfig
from django.core import checks


class ConnectionsConfig(AppConfig):
    name = "connections"

    def ready(self):
        from pipekit_site.checks import check_jrunner_path, check_secrets_file_mode

        checks.register(check_secrets_file_mode)
        checks.register(check_jrunner_path)
