"""``python manage.py seed_demo``: load (or refresh) the demo network and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from allocation.demo import build_history
from allocation.redeploy_demo import build_redeploy_demo
from assets.demo import build_assets_demo
from roster.demo import build_demo, publish_current_rosters, publish_demo_roster
from triage.crisis_demo import build_crisis_demo
from triage.demo import build_incident_demo


class Command(BaseCommand):
    help = "Build the demo network (3 sites, ~10 units, ~250 staff, 4 weeks of demand). Safe to re-run."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--roster-seconds", type=int, default=0,
            help="Also generate and publish the rosters: this week's for every unit (one solver run per site) "
                 "and the demo manager's unit roster for the demo period, solving this many seconds (a third, at least 8 s, per site "
                 "for this week).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = build_demo()
        build_assets_demo()
        build_crisis_demo()
        if options["roster_seconds"] > 0:
            # The week in progress is short: a third of the time per site (at least 8 s, so a loaded machine still staffs every unit) is plenty.
            current = publish_current_rosters(period_start=result.start_date,
                                              seconds=max(8, options["roster_seconds"] // 3))
            if current:
                self.stdout.write(f"Published this week's rosters: {len(current)} units, "
                                  f"{sum(r.assignments.count() for r in current)} shifts.")
            roster = publish_demo_roster(start_date=result.start_date, end_date=result.end_date,
                                         seconds=options["roster_seconds"])
            if roster is not None:
                self.stdout.write(f"Published roster: {roster.unit.name}, version {roster.version}, "
                                  f"{roster.assignments.count()} shifts.")
        history = build_history()
        out = self.stdout
        out.write(f"Census history: {history.events} events over a year in {history.units} units, "
                  f"forecasts fitted ({history.seconds:.1f} s, of which fitting {history.fit_seconds:.1f} s).")
        incident = build_incident_demo()
        if incident.incident_id is not None:
            out.write(f"Incident: {incident.victims} victims triaged, {incident.ambulances} ambulances, "
                      f"{incident.hospitals} receiving hospitals (board at /incidents/{incident.incident_id}/).")
        redeploy = build_redeploy_demo()
        self.stdout.write(f"Redeployment: {redeploy.links} site links, {redeploy.plans} plans, "
                          f"{redeploy.recommendations} moves recommended.")
        out.write(self.style.SUCCESS(f"Demo network ready in {result.seconds:.1f} s "
                                     f"(roster period {result.start_date:%a %d %b %Y} – {result.end_date:%a %d %b %Y})."))
        for label, count in result.counts.items():
            out.write(f"  {label:<24}{count:>6}")
        if result.rn_contracted_hours:
            out.write(
                f"  Registered nurses: {result.rn_minimum_hours} h needed at minimum ratios, "
                f"{result.rn_contracted_hours} h contracted ({result.rn_utilisation:.0%})."
            )
        out.write("")
        out.write(f"Demo logins (password for all: {result.password}):")
        for login in result.logins:
            out.write(f"  {login.username:<12} {login.description}")
        out.write(f"  …and {result.staff_logins - 1} staff members as first.last, e.g. {result.example_login}.")
