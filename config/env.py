"""Small typed parsers for settings read from the environment.

Every setting that differs between machines comes from here, so a deployment is
configured by its environment alone and nothing secret lives in the repository.
"""

from __future__ import annotations

import os

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingError(ValueError):
    """An environment variable holds a value that cannot be parsed."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(f"{name} must be a boolean (1/0, true/false, yes/no), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingError(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


SECRET_KEY_MIN_LENGTH = 50


def checked_secret_key(raw: str | None) -> str:
    """A signing key fit for production: long, varied and not a placeholder (the bounds of
    Django's own deploy check, security.W009, enforced instead of only warned about)."""
    hint = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
    if not raw:
        raise SettingError(f"SECRET_KEY must be set in production; {hint}")
    if raw.startswith(("insecure-", "django-insecure-")) or "change-me" in raw:
        raise SettingError(f"SECRET_KEY is a placeholder; {hint}")
    if len(raw) < SECRET_KEY_MIN_LENGTH or len(set(raw)) < 5:
        raise SettingError(
            f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters, not all alike "
            f"(it has {len(raw)}); {hint}"
        )
    return raw
