"""Gonghui settings: one file, driven by environment variables (see .env.example).

Defaults give a working development setup on SQLite with no configuration at all.
A bad value stops start-up with a message naming the variable.
"""

import importlib.util
import os
import sys
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from gonghui.conf import (
    SettingError,
    database_config,
    env_bool,
    env_choice,
    env_int,
    env_list,
    load_keys,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GONGHUI_VAR_DIR", BASE_DIR / "var"))

try:
    GONGHUI_ENV = env_choice("GONGHUI_ENV", "development", {"development", "production", "test"})
    PRODUCTION = GONGHUI_ENV == "production"
    DEBUG = env_bool("DEBUG", not PRODUCTION)
    _keys = load_keys(PRODUCTION, VAR_DIR / "keys.json")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"])
    if PRODUCTION and not ALLOWED_HOSTS:
        raise SettingError("ALLOWED_HOSTS is not set; list the host names this server answers to")
    DATABASES = {"default": database_config(os.environ.get("DATABASE_URL"), VAR_DIR)}
    GONGHUI_PORT = env_int("GONGHUI_PORT", 8000, minimum=1)
    API_TOKEN_DAYS = env_int("GONGHUI_API_TOKEN_DAYS", 30, minimum=1)
    AXES_FAILURE_LIMIT = env_int("GONGHUI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
    AUDIT_BLOCK_SIZE = env_int("GONGHUI_AUDIT_BLOCK_SIZE", 5000, minimum=1)
    LEARNING_CLAIM_HOURS = env_int("GONGHUI_LEARNING_CLAIM_HOURS", 24, minimum=1)
    TASK_BACKEND = env_choice("GONGHUI_TASK_BACKEND", "database", {"database", "immediate", "rq"})
    if TASK_BACKEND == "rq" and importlib.util.find_spec("django_tasks_rq") is None:
        raise SettingError("GONGHUI_TASK_BACKEND=rq needs the redis extra: pip install 'gonghui[redis]'")
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
    # Behind a TLS-terminating proxy (nginx) Django sees plain HTTP; trust its X-Forwarded-Proto
    # only when told to, since a directly exposed server would let clients forge it.
    BEHIND_TLS_PROXY = env_bool("GONGHUI_BEHIND_TLS_PROXY", False)
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # TLS on (behind the proxy, or GONGHUI_TLS=1 when Django is served over HTTPS another way):
    # HSTS for a year and a redirect of plain HTTP.
    TLS = env_bool("GONGHUI_TLS", BEHIND_TLS_PROXY)
    SESSION_IDLE_MINUTES = env_int("GONGHUI_SESSION_IDLE_MINUTES", 30, minimum=1)
except SettingError as error:
    sys.exit(f"gonghui: configuration error: {error}")

SECRET_KEY = _keys["SECRET_KEY"]
GONGHUI_FIELD_KEY = _keys["GONGHUI_FIELD_KEY"]
GONGHUI_INDEX_KEY = _keys["GONGHUI_INDEX_KEY"]
GONGHUI_SIGNING_KEY = _keys["GONGHUI_SIGNING_KEY"]
GONGHUI_AUDIT_KEY = _keys["GONGHUI_AUDIT_KEY"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "gonghui.core",
    "gonghui.orgs",
    "gonghui.accounts",
    "gonghui.people",
    "gonghui.members",
    "gonghui.hardship",
    "gonghui.benefits",
    "gonghui.learning",
    "gonghui.charity",
    "gonghui.appeals",
    "gonghui.stations",
    "gonghui.jobs",
    "gonghui.dashboards",
    "gonghui.demo",
]

MIDDLEWARE = [
    "gonghui.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view (and before CSRF's process_view): oversized bodies → 413, NUL characters → 4xx.
    "gonghui.core.edge.EdgeMiddleware",
    "gonghui.core.edge.IdleSessionMiddleware",
    "gonghui.core.edge.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gonghui.urls"
WSGI_APPLICATION = "gonghui.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gonghui" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "gonghui.core.context_processors.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if GONGHUI_ENV == "test":
    # Argon2 is slow by design; tests create many users and do not test the hasher itself.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock an account + IP after repeated failures, for an hour.
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Renders AXES_LOCKOUT_TEMPLATE for pages; keeps the API's own JSON error for /api/.
AXES_LOCKOUT_CALLABLE = "gonghui.accounts.auth.lockout_response"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "gonghui" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The project-wide static files (own CSS, vendored htmx) live outside any app directory,
# so the app-directories finder alone never sees them.
STATICFILES_DIRS = [BASE_DIR / "gonghui" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# Idle sessions end after GONGHUI_SESSION_IDLE_MINUTES (30); core.edge.IdleSessionMiddleware
# extends an active one at most once a minute.
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
if TLS:
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = True
    # Submitting the domain to the browsers' preload list is the operator's decision (it cannot be
    # undone quickly), so it is opt-in and its check is silenced while off.
    SECURE_HSTS_PRELOAD = env_bool("GONGHUI_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Content-Security-Policy of every response (core.edge.SecurityHeadersMiddleware): no inline
# script anywhere (templates load their JS from static files, the vendored htmx and ECharts
# included); a few templates keep inline styles, far less dangerous. No outside origin at all.
GONGHUI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "rq": "django_tasks_rq.RQBackend",
        }[TASK_BACKEND],
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "gonghui.core.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GONGHUI_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs carry URLs only; URLs never carry personal data (DESIGN.md §3.8).
        "django.server": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Domain defaults (DOMAIN.md); each is a setting because rules differ between places.
GONGHUI = {
    "JOIN_REVIEW_WORKING_DAYS": 3,
    "ORG_PAGE_SIZE": 50,
    "API_PAGE_SIZE_MAX": 200,
}
