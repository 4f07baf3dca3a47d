"""Test settings: the project's own settings on tests/config.yaml (or PIPEKIT_CONFIG)."""

import os
from pathlib import Path

os.environ.setdefault("PIPEKIT_CONFIG", str(Path(__file__).parent / "config.yaml"))

from pipekit_site.settings import *  # noqa: E402, F403
from pipekit_site.settings import DATABASES  # noqa: E402

# Detached runs and the live server are other processes: they must see the test database
# under the name the config gives, not a test_ prefixed copy.
DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"]}
# tests/config-pg.yaml names PostgreSQL's usual address; under scripts/test-servers.sh the state
# database lives on the run's own server instead, where tests/dbs.py finds it.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and os.environ.get("PIPEKIT_TEST_PG_PORT"):
    from tests.dbs import PG

    DATABASES["default"].update(HOST=PG["host"], PORT=PG["port"])
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Pages render {% static %} without a collectstatic manifest.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
