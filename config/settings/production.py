"""Production: PostgreSQL and Redis from the environment, HTTPS only, secure cookies.

`manage.py check --deploy` is clean under these settings (tests/config)."""

from __future__ import annotations

import os

from config.env import checked_secret_key, env_bool, env_int, env_str

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, DATABASES, REDIS_URL

SECRET_KEY = checked_secret_key(os.environ.get("SECRET_KEY"))
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("DATABASE_URL must point at PostgreSQL in production")
if CELERY_BROKER_URL == "filesystem://":
    raise RuntimeError("REDIS_URL (or CELERY_BROKER_URL) must be set in production")

DEBUG = False
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
# Behind a TLS proxy that sets X-Forwarded-Proto (and strips it from clients).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# A year, as the HSTS preload list asks; SECURE_HSTS_SECONDS=0 turns it off while trying
# HTTPS out (a browser that saw the header keeps to HTTPS for that long).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Login throttles and lockouts are counted across every web process.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("CACHE_URL", REDIS_URL),
        }
    }
