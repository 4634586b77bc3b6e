"""The test suite: PostgreSQL from DATABASE_URL (./bin/test starts a throwaway one)."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY as BASE_CONTENT_SECURITY_POLICY
from .base import STATIC_ROOT

# WhiteNoise warns about a missing static root on every request otherwise.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The browser tests run under the production Content-Security-Policy but for one source:
# Playwright's wait_for_function evaluates its predicate as a string inside the page.
CONTENT_SECURITY_POLICY = {
    **BASE_CONTENT_SECURITY_POLICY,
    "script-src": [*BASE_CONTENT_SECURITY_POLICY["script-src"], "'unsafe-eval'"],
}
