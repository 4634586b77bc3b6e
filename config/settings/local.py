"""One machine, nothing to install: SQLite and the embedded Celery broker."""

from __future__ import annotations

from config.env import env_bool, env_list

from .base import *  # noqa: F403
from .base import DATA_DIR, STATIC_ROOT

DATA_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
# bin/demo narrows this to the loopback names unless it is asked to listen further.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["*"])
