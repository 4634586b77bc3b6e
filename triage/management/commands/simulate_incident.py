"""Run a generated mass-casualty incident through the time-stepped simulation and draw
allocation value, victims waiting and patients in hospital over time (an SVG or a PNG
file, by the output's suffix), so the effect of the sensing interval and the buffer can
be seen; ``--compare`` adds runs of the same incident with other settings to the chart.

    python manage.py simulate_incident --sensing 2 --buffer 1 --seed 3 --output incident.svg
    python manage.py simulate_incident --sensing 1 --buffer 0 --compare 3:1 6:3 --output incident.png
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage.mci.chart import svg_chart
from triage.mci.chart_png import png_chart
from triage.mci.generate import ambulance_instance
from triage.mci.problem import PRINCIPLES, SWFS, AmbulanceProblem, Bundle, Policy
from triage.mci.simulate import Scenario, SimulationConfig, simulate
from triage.mci.solve import METHODS


def scenario(*, victims: int, ambulances: int, hospitals: int, bundles: int, seed: int) -> Scenario:
    """A generated incident (``triage.mci.generate``): two thirds of the victims are at
    the scene at tick 0 and the rest are found over the first ten ticks; half of the
    ambulances are there at once and the rest arrive over the first six ticks; each
    hospital has ``bundles`` treatment bundles of random types. Seeded."""
    base = ambulance_instance(victims, ambulances, hospitals, seed=seed)
    rng = random.Random(seed)
    at_once = max(1, (2 * victims) // 3)
    first_amb = max(1, ambulances // 2)
    victim_arrivals: dict[int, list[Any]] = {}
    for victim in base.victims[at_once:]:
        victim_arrivals.setdefault(rng.randint(1, 10), []).append(victim)
    ambulance_arrivals: dict[int, list[Any]] = {}
    for amb in base.ambulances[first_amb:]:
        ambulance_arrivals.setdefault(rng.randint(1, 6), []).append(amb)
    next_id = max([h.id for h in base.hospitals], default=0) + 1
    kit: dict[int, tuple[Bundle, ...]] = {}
    for h in base.hospitals:
        kit[h.id] = tuple(Bundle(next_id + n, rng.randint(1, 6)) for n in range(bundles))
        next_id += bundles
    return Scenario(
        problem=AmbulanceProblem(base.victims[:at_once], base.ambulances[:first_amb], base.hospitals),
        bundles=kit,
        ambulance_arrivals={t: tuple(a) for t, a in ambulance_arrivals.items()},
        victim_arrivals={t: tuple(v) for t, v in victim_arrivals.items()},
    )


class Command(BaseCommand):
    help = "Simulate a generated incident with a sensing interval and buffer; write an SVG chart."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sensing", type=int, default=2, help="re-allocate every N ticks (≥ 1)")
        parser.add_argument("--buffer", type=int, default=1, help="ticks an assignment may still change (≥ 0)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--ticks", type=int, default=40, help="one tick is 10 minutes")
        parser.add_argument("--victims", type=int, default=30)
        parser.add_argument("--ambulances", type=int, default=20)
        parser.add_argument("--hospitals", type=int, default=3)
        parser.add_argument("--bundles", type=int, default=4, help="treatment bundles per hospital")
        parser.add_argument("--swf", choices=SWFS, default="utilitarian")
        parser.add_argument("--principle", choices=PRINCIPLES, default="none")
        parser.add_argument("--method", choices=METHODS, default="greedy")
        parser.add_argument("--deterioration", type=float, default=0.05, help="chance per tick of worsening")
        parser.add_argument("--no-events", action="store_true", help="re-allocate on the interval only")
        parser.add_argument("--output", type=Path, help="where to write the chart: NAME.svg or NAME.png")
        parser.add_argument("--compare", nargs="+", default=[], metavar="SENSING:BUFFER",
                            help="also run the same incident with these settings (PNG chart)")
        parser.add_argument("--json", action="store_true", help="print the per-tick records as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sensing"] < 1:
            raise CommandError("--sensing: at least 1 tick")
        if options["buffer"] < 0:
            raise CommandError("--buffer: 0 ticks or more")
        if not 1 <= options["ticks"] <= 10_000:
            raise CommandError("--ticks: from 1 to 10000")
        for name in ("victims", "ambulances", "hospitals"):
            if not 1 <= options[name] <= 1000:
                raise CommandError(f"--{name}: from 1 to 1000")
        if not 0 <= options["deterioration"] <= 1:
            raise CommandError("--deterioration: a probability from 0 to 1")
        compare = [_setting(raw) for raw in options["compare"]]
        output = options["output"]
        if output is not None and output.suffix.lower() not in (".svg", ".png"):
            raise CommandError("--output: a file name ending in .svg or .png")
        if compare and (output is None or output.suffix.lower() != ".png"):
            raise CommandError("--compare: draws into a PNG (--output NAME.png)")

        def config_for(sensing: int, buffer: int) -> SimulationConfig:
            return SimulationConfig(
                sensing=sensing, buffer=buffer, ticks=options["ticks"],
                policy=Policy(options["swf"], options["principle"]), method=options["method"],
                deterioration=options["deterioration"], resolve_on_events=not options["no_events"],
                seed=options["seed"],
            )

        def world() -> Scenario:
            return scenario(victims=options["victims"], ambulances=options["ambulances"],
                            hospitals=options["hospitals"], bundles=options["bundles"], seed=options["seed"])

        config = config_for(options["sensing"], options["buffer"])
        result = simulate(world(), config)
        records = result.records
        if options["json"]:
            self.stdout.write(json.dumps([r.__dict__ for r in records]))
        last = records[-1]
        self.stdout.write(
            f"sensing {config.sensing}, buffer {config.buffer}, seed {config.seed}: "
            f"{len(result.departures)} victims left the scene, {len(result.discharged)} discharged; "
            f"at tick {last.tick}: {last.victims_waiting} not yet at a hospital, "
            f"{last.patients_in_hospital} in hospital, cumulative value {last.cumulative_value}"
        )
        if output is None:
            return
        title = f"Incident simulation: {options['victims']} victims, seed {config.seed}"
        try:
            if output.suffix.lower() == ".svg":
                output.write_text(svg_chart(records, title=(
                    f"Incident simulation: sensing {config.sensing}, buffer {config.buffer}, seed {config.seed}")))
            else:
                runs = [(f"sensing {config.sensing}, buffer {config.buffer}", records)]
                for sensing, buffer in compare:
                    other = simulate(world(), config_for(sensing, buffer)).records
                    runs.append((f"sensing {sensing}, buffer {buffer}", other))
                png_chart(runs, output, title=title)
        except OSError as exc:
            raise CommandError(f"--output: {exc}") from None
        self.stdout.write(f"chart written to {output}")


def _setting(raw: str) -> tuple[int, int]:
    """``SENSING:BUFFER`` in ticks, or a CommandError naming --compare."""
    sensing, _, buffer = raw.partition(":")
    if not (sensing.isdigit() and buffer.isdigit()) or not 1 <= int(sensing) <= 1000 or int(buffer) > 1000:
        raise CommandError(f"--compare: {raw!r} is not SENSING:BUFFER (ticks, sensing at least 1)")
    return int(sensing), int(buffer)
