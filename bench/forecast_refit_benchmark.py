"""Forecast refit and refresh time per unit on PostgreSQL, on a year of census history.

Usage::

    DATABASE_URL=postgres://USER@HOST:PORT/NAME OPENBLAS_NUM_THREADS=1 \
        python bench/forecast_refit_benchmark.py [--units 10] [--days 371] [--json]

It creates a scratch database next to ``NAME`` (``test_NAME``, as the test suite does),
migrates it, and drops it at the end: the database named in the URL is never written.
(``OPENBLAS_NUM_THREADS=1``: see ``allocation/forecasting.py``.)

``--units`` units of the demo's kinds (an ED, wards, an ICU…, cycling) get ``--days``
days of census history as the demo writes it (``allocation.demo.build_history``). It then
prints, per unit, the daily refit (``forecasts.fit_units``: reading a year of hourly
arrivals and departures, fitting, storing) and the hourly refresh
(``forecasts.refresh_forecasts``: 14 days of hourly forecasts and the product's windows
stored, passed windows' actuals filled in), median and worst over the units; the refresh
of all units at once; and one read of every unit's next 24 hours of census with staff at
the 90th percentile (``forecasts.required_at``), with its query count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
if not os.environ.get("REDIS_URL"):
    os.environ.setdefault("HEADROOM_DATA_DIR", tempfile.mkdtemp(prefix="forecast-bench-"))

KINDS = ("ed", "medsurg", "icu", "stepdown", "maternity", "paediatrics", "medsurg", "theatres")
BEDS = {"ed": 16, "medsurg": 24, "icu": 10, "stepdown": 8, "maternity": 14, "paediatrics": 12, "theatres": 4}


def run(units: int, days: int) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from allocation import forecasts
    from allocation.demo import build_history
    from roster.models import RatioRule, Site, Staff, Unit

    site = Site.objects.create(name="Bench General", code="bench")
    made = []
    for i in range(units):
        kind = KINDS[i % len(KINDS)]
        unit = Unit.objects.create(site=site, name=f"Unit {i} ({kind})", code=f"u{i}", kind=kind, beds=BEDS[kind])
        RatioRule.objects.create(unit=unit, role=Staff.Role.RN, patients_per_staff=2 if kind == "icu" else 4)
        made.append(unit)
    made = list(Unit.objects.select_related("site").filter(pk__in=[u.pk for u in made]).order_by("pk"))
    now = timezone.now()
    started = time.perf_counter()
    history = build_history(now=now, days=days, units=made)
    seeded = time.perf_counter() - started
    fits, refreshes = [], []
    for unit in made:
        started = time.perf_counter()
        assert forecasts.fit_units([unit.pk], now=now)
        fits.append(time.perf_counter() - started)
        started = time.perf_counter()
        forecasts.refresh_forecasts([unit.pk], now=now)
        refreshes.append(time.perf_counter() - started)
    started = time.perf_counter()
    forecasts.refresh_forecasts([u.pk for u in made], now=now)
    all_refresh = time.perf_counter() - started
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        staff = forecasts.required_at([u.pk for u in made], now, 24, 0.9)
        read = time.perf_counter() - started
    assert len(staff) == units
    return {
        "units": units, "days": days, "events": history.events, "seed_s": round(seeded, 1),
        "fit_s_median": round(statistics.median(fits), 3), "fit_s_max": round(max(fits), 3),
        "refresh_s_median": round(statistics.median(refreshes), 3), "refresh_s_max": round(max(refreshes), 3),
        "refresh_all_s": round(all_refresh, 2), "read_24h_ms": round(1000 * read, 1),
        "read_queries": len(ctx.captured_queries),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--days", type=int, default=371)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database (see the docstring).", file=sys.stderr)
        return 2
    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        result = run(args.units, args.days)
    finally:
        teardown_databases(old, verbosity=0)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"Forecasts on PostgreSQL: {result['units']} units, {result['days']} days of history "
          f"({result['events']} events, written in {result['seed_s']} s with the first fit and replay)")
    print(f"  refit per unit (daily):    median {result['fit_s_median']} s, worst {result['fit_s_max']} s")
    print(f"  refresh per unit (hourly): median {result['refresh_s_median']} s, worst {result['refresh_s_max']} s")
    print(f"  refresh of all units:      {result['refresh_all_s']} s")
    print(f"  staff at q90, next 24 h, all units: {result['read_24h_ms']} ms, {result['read_queries']} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
