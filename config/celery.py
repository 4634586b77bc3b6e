"""The Celery application.

JSON-only messages (tasks take primary keys, never model instances), hard and soft
time limits on every task, late acknowledgement so a worker killed mid-task hands
its message back to the broker instead of losing it.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("headroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
