"""System checks on the configuration, run by manage.py check, doctor, migrate and at server start
(not by the run commands, which start for every run)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Warning


def check_secrets_file_mode(app_configs=None, **kwargs):
    path = Path(settings.PIPEKIT_SECRETS_FILE)
    if path.exists() and path.stat().st_mode & 0o007:
        return [
            Warning(
                f"The secrets file {path} is readable by every user of this host.",
                hint=f"chmod 640 {path}",
                id="pipekit.W001",
            )
        ]
    return []


def check_jrunner_path(app_configs=None, **kwargs):
    path = Path(settings.PIPEKIT_JRUNNER)
    if not (path.is_file() and os.access(path, os.X_OK)):
        return [
            Warning(
                f"jrunner {path} is not an executable file: no run can move rows.",
                hint="Build it with 'make jrunner', or point jrunner: in config.yaml at a build.",
                id="pipekit.W002",
            )
        ]
    return []
