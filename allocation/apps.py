from __future__ import annotations

from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "allocation"

    def ready(self) -> None:
        # Each capability registers what it puts on the status board (allocation/board.py)
        # by importing its board module here, one line each.
        from . import board_equipment

        board_equipment.register()
        from . import backfill_board

        backfill_board.register()
        from . import redeploy_admin, redeploy_board, redeploy_tasks  # noqa: F401

        redeploy_board.register()
