from __future__ import annotations

from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "allocation"
