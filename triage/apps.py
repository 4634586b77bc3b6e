from __future__ import annotations

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "triage"

    def ready(self) -> None:
        # What triage puts on the status board (allocation/board.py) registers here.
        from .crisis_board import register

        register()
