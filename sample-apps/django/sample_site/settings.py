"""Settings, read from environment variables: production values unless DEBUG=1.

`python manage.py check --deploy` passes with them (given a SECRET_KEY); see the README.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# The project's root: manage.py, static/ and the apps.
BASE_DIR = Path(__file__).resolve().parent.parent


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated variable as a list (blank items dropped)."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_flag(name: str) -> bool:
    """1, true, yes or on (any case) mean on; anything else, or unset, off."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DEBUG")

# Unset: empty, and the server refuses to start (require_secret_key, called by wsgi.py and
# asgi.py), while manage.py's commands that sign nothing (collectstatic at build time, migrate,
# check) still run. DEBUG=1 gets a development key instead.
SECRET_KEY = os.environ.get("SECRET_KEY", "") or ("django-insecure-development-only" if DEBUG else "")


def require_secret_key() -> None:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Fix: set it in the environment (.env) to a long random value, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'; or DEBUG=1 for development."
        )


# The host names this app answers for, comma-separated. Unset: any, as behind Caddy on :8080,
# which answers every name; set it to your domain(s) when the app is reachable another way.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")
# Origins (scheme://host[:port]) whose unsafe requests (POST...) with a CSRF token are trusted,
# e.g. https://example.com: needed for the admin's login behind an HTTPS proxy.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# TLS ends at the proxy (Caddy), which sets X-Forwarded-Proto: a request it received over HTTPS
# is a secure one (request.is_secure(), secure cookies, CSRF's origin check). Only safe because
# the app is reachable only through the proxy, which replaces that header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Caddy redirects HTTP to HTTPS itself once it has a domain (automatic HTTPS); on plain :8080 a
# redirect here would make the site unreachable. So off unless set, and the deploy check that asks
# for it (security.W008) is silenced below.
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT")
# HSTS: browsers honour it only on HTTPS responses, so it is harmless on plain HTTP.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SILENCED_SYSTEM_CHECKS = ["security.W008", "security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "visits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sample_site.urls"
WSGI_APPLICATION = "sample_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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


def database() -> dict:
    """PostgreSQL from DATABASE_* when DATABASE_HOST is set (psycopg 3, else psycopg2: Django picks
    the one installed); else Django's default, SQLite in the project folder.

    Each part is its own setting, never a URL, so a password such as ``P@ss:w/rd %#?`` works.
    """
    if not os.environ.get("DATABASE_HOST"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ["DATABASE_HOST"],
        "PORT": os.environ.get("DATABASE_PORT", ""),
        "NAME": os.environ.get("DATABASE_NAME", ""),
        "USER": os.environ.get("DATABASE_USER", ""),
        "PASSWORD": os.environ.get("DATABASE_PASSWORD", ""),
        # Connections kept for a minute and checked before reuse: a restarted database costs one
        # failed check, not a failed request.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


DATABASES = {"default": database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"

# /static/ is served by the proxy from the files `manage.py collectstatic` gathers into
# STATIC_ROOT (at the image's build): this project's static/ and the admin's.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Errors to stderr (docker logs); Django's default mails them to ADMINS when DEBUG is off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
