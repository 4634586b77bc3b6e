from __future__ import annotations

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "triage"

    def ready(self) -> None:
        # What triage puts on the status board (allocation/board.py) registers here.
        from . import crisis_admin  # noqa: F401  (the administrator's crisis pages)
        from .crisis_board import register

        register()
        # Links to the open incidents a user is assigned to, in the navigation.
        from roster.context_processors import register_nav_source

        from .navigation import incident_links

        register_nav_source(incident_links)
