"""``python manage.py simulate_surge --unit "Emergency Department" [--site riverside]
[--factor 2.5] [--hours 6] [--speed 60]``: replay a surge into a unit as census events,
so the status board can be watched reacting (``allocation.surge_replay``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roster.errors import DomainError

from ...surge_replay import find_unit, replay_surge


class Command(BaseCommand):
    help = "Replay a surge of arrivals into a unit as census events, in accelerated real time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="The unit's id, code or name (or part of it).")
        parser.add_argument("--site", help="The site's id, code or name, when the unit's name is not unique.")
        parser.add_argument("--factor", type=float, default=2.5, help="Arrivals at this multiple of the forecast.")
        parser.add_argument("--hours", type=int, default=6, help="Simulated hours of surge (1–72).")
        parser.add_argument("--speed", type=float, default=60.0,
                            help="Simulated time per real time: 60 is an hour a minute; 0 sends it all at once.")
        parser.add_argument("--seed", type=int, default=None, help="Seed the draws (the same surge again).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            unit = find_unit(options["unit"], options["site"])
            self.stdout.write(f"Surge ×{options['factor']:g} for {options['hours']} h into {unit.name} "
                              f"({unit.site.name}, {unit.beds} beds), speed {options['speed']:g}.")
            for tick in replay_surge(unit, factor=options["factor"], hours=options["hours"],
                                     speed=options["speed"], seed=options["seed"]):
                minutes = int(tick.simulated.total_seconds() // 60)
                used = "—" if tick.utilization is None else f"{tick.utilization:.0f} %"
                self.stdout.write(f"  +{minutes // 60:02d}:{minutes % 60:02d}  in {tick.arrivals:>2}  "
                                  f"out {tick.departures:>2}  census {tick.census:>3}  {used:>6}  {tick.zone}")
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        except KeyboardInterrupt:
            self.stdout.write("Stopped; the events sent so far stay.")
