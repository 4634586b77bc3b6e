"""Production settings pass Django's deploy checks, refuse a weak signing key, and the demo
listens only on this machine, with DEBUG off, by default."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.env import SettingError, checked_secret_key

ROOT = Path(__file__).resolve().parents[2]


def production_env(secret_key: str | None) -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="headroom.example.org",
    )
    env.pop("SECRET_KEY", None)
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_check_deploy_is_clean_under_production_settings(db):
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env=production_env(secrets.token_urlsafe(50)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("key", [None, "short-but-set", "insecure-development-key-change-me",
                                 "django-insecure-" + "x" * 60, "a" * 80])
def test_production_refuses_a_missing_short_or_placeholder_secret_key(key):
    result = manage("check", env=production_env(key))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_long_varied_secret_key_is_accepted_and_the_reason_for_a_refusal_is_given():
    key = secrets.token_urlsafe(50)
    assert checked_secret_key(key) == key
    with pytest.raises(SettingError, match="at least 50 characters"):
        checked_secret_key("x1y2z3" * 5)


def test_production_is_https_only():
    source = (ROOT / "config" / "settings" / "production.py").read_text()
    result = subprocess.run(
        [sys.executable, "-c",
         "from django.conf import settings as s; import django; django.setup(); "
         "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
         "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"],
        cwd=ROOT, env=production_env(secrets.token_urlsafe(50)), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "True", "True", "False"]
    assert "SECURE_PROXY_SSL_HEADER" in source


def test_the_demo_listens_on_this_machine_only_with_debug_off_unless_asked():
    demo = (ROOT / "bin" / "demo").read_text()
    assert re.search(r'^host=\$\{HOST:-127\.0\.0\.1\}$', demo, re.M)
    assert re.search(r'^export DEBUG=\$\{DEBUG:-0\}$', demo, re.M)
    assert 'runserver "$host:$port"' in demo and "0.0.0.0:$port" not in demo
