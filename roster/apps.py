from __future__ import annotations

from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "roster"
    verbose_name = "Rosters and people"
