"""Django settings, all read from config.yaml (see pipekit_site/config.py)."""

import shlex

import dj_database_url

from pipekit_site import config

CONFIG = config.load()
BASE_DIR = config.BASE_DIR

SECRET_KEY = config.secret_key(CONFIG["secret_key_file"])
DEBUG = CONFIG["debug"]
ALLOWED_HOSTS = CONFIG["allowed_hosts"]
TIME_ZONE = CONFIG["time_zone"]
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = False

PIPEKIT_SECRETS_FILE = CONFIG["secrets_file"]
PIPEKIT_JRUNNER = CONFIG["jrunner"]
PIPEKIT_BASE_URL = CONFIG["base_url"]
PIPEKIT_EMAIL_TO = CONFIG["email"]["to"]
PIPEKIT_RUN_RETENTION_DAYS = CONFIG["run_retention_days"]
# local: each run is a detached manage.py process; queue: a procrastinate job for `manage.py worker`.
PIPEKIT_EXECUTOR = CONFIG["executor"]
# executor: local: at most this many runs running at once on this host (syncs/slots.py).
PIPEKIT_MAX_PARALLEL_RUNS = CONFIG["max_parallel_runs"]
CSRF_TRUSTED_ORIGINS = [PIPEKIT_BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_crontab",
    "connections",
    "syncs",
    "scheduling",
    "pipekit_site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pipekit_site.csp.content_security_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "pipekit_site.urls"
WSGI_APPLICATION = "pipekit_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(CONFIG["database"], conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Runs and the web write the same file from several processes: wait, don't fail.
    # A new file gives the pages freed by pruning back to the disk (scheduling/retention.py); on an
    # existing one this does nothing until `manage.py prune_runs` converts it.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA auto_vacuum = INCREMENTAL",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if PIPEKIT_EXECUTOR == "queue":
    # The run queue: procrastinate's tables (its migrations) in the PostgreSQL state database.
    # Only then: loading it costs every detached run of the local executor 0.3 s.
    INSTALLED_APPS.append("procrastinate.contrib.django")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

_email = CONFIG["email"]
if _email["host"]:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email["host"]
    EMAIL_PORT = _email["port"]
    EMAIL_HOST_USER = _email["username"]
    EMAIL_USE_TLS = _email["use_tls"]
    # The password is a $NAME reference, resolved from the secrets file when mail is sent.
    PIPEKIT_EMAIL_PASSWORD_REF = _email["password"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    PIPEKIT_EMAIL_PASSWORD_REF = ""
DEFAULT_FROM_EMAIL = SERVER_EMAIL = _email["from"]
# Failure notices go out only with a host and recipients (tests swap the backend for locmem).
PIPEKIT_EMAIL_ENABLED = bool(_email["host"])

CRONJOBS = [("* * * * *", "scheduling.cron.tick")]
CRONTAB_COMMENT = CONFIG["crontab_comment"]
CRONTAB_COMMAND_PREFIX = f"PIPEKIT_CONFIG={shlex.quote(str(CONFIG['path']))}"
CRONTAB_DJANGO_MANAGE_PATH = str(BASE_DIR / "manage.py")
# Found on PATH, as when an operator types it (the tests put a wrapper first on PATH).
CRONTAB_EXECUTABLE = "crontab"

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    if CONFIG["https"]:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SECURE_SSL_REDIRECT = True
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        SECURE_HSTS_SECONDS = 31536000
        SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        SECURE_HSTS_PRELOAD = True
        # /health is probed over plain HTTP from the host itself.
        SECURE_REDIRECT_EXEMPT = [r"^health$"]


def _forbidden_in_one_line(record):
    """A 403 is a refusal, not a fault: log its one line without the PermissionDenied traceback."""
    if getattr(record, "status_code", None) == 403:
        record.exc_info = record.exc_text = None
    return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_in_one_line": {"()": lambda: _forbidden_in_one_line}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        # A filter of this logger, not of a handler: every handler gets the one line.
        "django.request": {"filters": ["forbidden_in_one_line"]},
        "pipekit": {"handlers": ["console"], "level": "INFO"},
        # The run queue: its problems; `manage.py worker` lowers it to INFO (each job it takes).
        "procrastinate": {"handlers": ["console"], "level": "WARNING"},
        # Django logs server errors to the console only with DEBUG on; in production this is
        # how a traceback reaches the journal.
        "django": {"handlers": ["console"], "level": "WARNING"},
    },
}
