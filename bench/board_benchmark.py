"""The operations board's server time and query count, on the demo network and on a
generated 20-site, 200-unit network, on PostgreSQL.

Usage::

    DATABASE_URL=postgres://USER@HOST:PORT/NAME python bench/board_benchmark.py \
        [--runs 30] [--sites 20] [--units-per-site 10] [--days 30] [--skip-demo] [--json]

It creates a scratch database next to ``NAME`` (``test_NAME``, as the test suite does),
migrates it, and drops it at the end: the database named in the URL is never written.

Each network is measured as a regional coordinator sees it (every site): the whole page
``GET /operations/`` and the fragment htmx polls every few seconds (the same address
with ``HX-Request``), through Django's test client — the server's work from the request
to the rendered response, without a network. It prints p50 and p95 over ``--runs``
requests after three warm-up requests, the Python process's own CPU time (p50: what the
server spends in Python, less sensitive than wall time to other work on the machine;
the database's time is not in it), the wall time spent waiting on queries (p50), and the number of queries of one request (sessions
and login included).

The demo network is ``manage.py seed_demo``'s (3 sites, its units, staff, equipment and a
year of census history with fitted forecasts). The generated network: ``--sites`` sites
of ``--units-per-site`` units (20 × 10 by default), each unit with 24 beds, an RN ratio of
1:4, six RNs on shift now, ``--days`` days of admissions and discharges (about ten of
each a day), its last 48 hours recorded, one ED per site with arrivals, and 30 items of
equipment per site, a few in transit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def measure(user: Any, runs: int) -> dict[str, float | int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    out: dict[str, float | int] = {}
    for name, headers in (("page", {}), ("fragment", {"HX-Request": "true"})):
        for _ in range(3):
            assert client.get("/operations/", headers=headers).status_code == 200
        times, cpu, db = [], [], []
        for _ in range(runs):
            spent = [0.0]

            def timed(execute: Any, sql: Any, params: Any, many: Any, context: Any, spent: list[float] = spent) -> Any:
                began = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    spent[0] += time.perf_counter() - began

            with connection.execute_wrapper(timed):
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get("/operations/", headers=headers)
                times.append(1000 * (time.perf_counter() - started))
                cpu.append(1000 * (time.process_time() - started_cpu))
            db.append(1000 * spent[0])
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            client.get("/operations/", headers=headers)
        out[f"{name}_p50_ms"] = round(statistics.median(times), 1)
        out[f"{name}_p95_ms"] = round(_percentile(times, 0.95), 1)
        out[f"{name}_cpu_p50_ms"] = round(statistics.median(cpu), 1)
        out[f"{name}_db_p50_ms"] = round(statistics.median(db), 1)
        out[f"{name}_queries"] = len(ctx.captured_queries)
    return out


def profile(user: Any) -> None:
    import cProfile
    import pstats

    from django.test import Client

    client = Client()
    client.force_login(user)
    client.get("/operations/", headers={"HX-Request": "true"})
    with cProfile.Profile() as prof:
        client.get("/operations/", headers={"HX-Request": "true"})
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get("/operations/", headers={"HX-Request": "true"})
    print("The slowest queries of one request (seconds):")
    for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:8]:
        print(f"  {q['time']}  {q['sql'][:300]}")


def regional_user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    from roster.models import Access

    user, _ = get_user_model().objects.get_or_create(username=username)
    Access.objects.update_or_create(user=user, defaults={"level": Access.Level.REGIONAL_COORDINATOR})
    return get_user_model().objects.get(pk=user.pk)


def build_demo_network() -> float:
    from allocation.demo import build_history
    from assets.demo import build_assets_demo
    from roster.demo import build_demo

    started = time.perf_counter()
    build_demo()
    build_assets_demo()
    build_history()
    return time.perf_counter() - started


def build_generated_network(*, sites: int, units_per_site: int, days: int, seed: int = 3) -> dict[str, int]:
    """The generated network, written in bulk (no tasks queued)."""
    from django.db.models import F
    from django.utils import timezone

    from allocation.models import CensusEvent
    from allocation.staffing import HOUR, hour_of, unit_hours_record
    from assets.models import AssetType, Item
    from assets.states import State
    from roster.models import Assignment, RatioRule, Roster, ShiftType, Site, Staff, Unit

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    pump, _ = AssetType.objects.get_or_create(code="bench-pump", defaults={
        "name": "Bench infusion pump", "service_interval_days": 365, "service_interval_hours": 2000})
    vent, _ = AssetType.objects.get_or_create(code="bench-vent", defaults={
        "name": "Bench ventilator", "service_interval_days": 180})
    counts = {"sites": 0, "units": 0, "events": 0, "items": 0, "staff": 0}
    serial = 0
    for s in range(sites):
        site = Site.objects.create(name=f"Bench site {s:02d}", code=f"bench{s:02d}", timezone="Europe/London")
        counts["sites"] += 1
        day = ShiftType.objects.create(site=site, code="D", name="Day", start_time=dt.time(7, 0), duration_minutes=720)
        night = ShiftType.objects.create(site=site, code="N", name="Night", start_time=dt.time(19, 0),
                                         duration_minutes=720, is_night=True)
        units = []
        for u in range(units_per_site):
            kind = Unit.Kind.ED if u == 0 else Unit.Kind.MEDSURG
            unit = Unit.objects.create(site=site, name=f"Bench {s:02d}-{u:02d}", code=f"b{u:02d}", kind=kind, beds=24)
            units.append(unit)
            RatioRule.objects.create(unit=unit, role=Staff.Role.RN, patients_per_staff=4)
            staff = Staff.objects.bulk_create([
                Staff(employee_number=f"B{s:02d}{u:02d}{k:02d}", first_name=f"Bench{k}", last_name=f"Nurse{s}-{u}",
                      role=Staff.Role.RN, home_unit=unit) for k in range(6)])
            counts["staff"] += len(staff)
            roster = Roster.objects.create(unit=unit, start_date=today - dt.timedelta(days=2),
                                           end_date=today + dt.timedelta(days=2), status=Roster.Status.PUBLISHED)
            start = now - dt.timedelta(hours=2)
            Assignment.objects.bulk_create([
                Assignment(roster=roster, staff=p, shift_type=day if 7 <= start.hour < 19 else night,
                           date=start.date(), starts_at=start, ends_at=start + dt.timedelta(hours=12), live=True)
                for p in staff])
            # About ten admissions and ten discharges a day, the census wandering around 16.
            events = []
            at = now - dt.timedelta(days=days)
            census = 0
            i = 0
            while at < now:
                at += dt.timedelta(minutes=rng.expovariate(1 / 72))
                if at >= now:
                    break
                coming = census < 10 or (census < 22 and rng.random() < 0.5)
                if unit.kind == Unit.Kind.ED:
                    kind_name = "ed_arrival" if coming else "ed_departure"
                else:
                    kind_name = "admit" if coming else "discharge"
                census += 1 if coming else -1
                events.append(CensusEvent(unit=unit, kind=kind_name, occurred_at=at, sender="bench",
                                          event_id=f"{unit.pk}-{i}"))
                i += 1
            CensusEvent.objects.bulk_create(events, batch_size=5000)
            # As on a live network, each event was received when it happened.
            CensusEvent.objects.filter(unit=unit).update(received_at=F("occurred_at"))
            counts["events"] += len(events)
            unit_hours_record(unit_id=unit.pk, since=hour_of(now) - 47 * HOUR, now=now)
            counts["units"] += 1
        items = []
        for k in range(30):
            serial += 1
            unit = units[k % len(units)]
            state = State.IN_TRANSIT if k % 15 == 0 else (State.DEPLOYED if k % 3 == 0 else State.READY)
            items.append(Item(
                asset_type=pump if k % 2 else vent, serial=f"BENCH-{serial:05d}", site=site, unit=unit, state=state,
                previous_state=State.READY if state != State.READY else "", state_changed_at=now,
                last_service_on=today - dt.timedelta(days=rng.randint(1, 200)),
                commissioned_on=today - dt.timedelta(days=400),
                destination=units[(k + 1) % len(units)] if state == State.IN_TRANSIT else None))
        Item.objects.bulk_create(items)
        counts["items"] += len(items)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--units-per-site", type=int, default=10)
    parser.add_argument("--days", type=int, default=30, help="days of census history per generated unit")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--json", action="store_true", help="one JSON object per network")
    parser.add_argument("--profile", action="store_true", help="print where one fragment request spends its time")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL server (a scratch database is made next to it).", file=sys.stderr)
        return 2

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        rows = []
        if not args.skip_demo:
            seconds = build_demo_network()
            from roster.models import Site, Unit

            row: dict[str, Any] = {"network": "demo", "sites": Site.objects.count(), "units": Unit.objects.count(),
                                   "build_s": round(seconds, 1)}
            row.update(measure(regional_user("bench-regional"), args.runs))
            rows.append(row)
            if args.profile:
                profile(regional_user("bench-regional"))
        if args.skip_generated:
            return _report(rows, args.json)
        from roster.models import Site as S
        from roster.models import Unit as U

        # The generated network replaces the demo one, so the board shows only it.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
            cursor.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE")
        counts = build_generated_network(sites=args.sites, units_per_site=args.units_per_site, days=args.days)
        row = {"network": f"generated {args.sites}x{args.units_per_site}", "sites": S.objects.count(),
               "units": U.objects.count(), "events": counts["events"], "items": counts["items"],
               "build_s": round(time.perf_counter() - started, 1)}
        row.update(measure(regional_user("bench-regional"), args.runs))
        rows.append(row)
        if args.profile:
            profile(regional_user("bench-regional"))
    finally:
        teardown_databases(old, verbosity=0)

    return _report(rows, args.json)


def _report(rows: list[dict[str, Any]], as_json: bool) -> int:
    for row in rows:
        if as_json:
            print(json.dumps(row))
        else:
            print(f"{row['network']}: {row['sites']} sites, {row['units']} units (built in {row['build_s']} s)")
            for name in ("page", "fragment"):
                print(f"  {name:<9} p50 {row[f'{name}_p50_ms']:>7.1f} ms  p95 {row[f'{name}_p95_ms']:>7.1f} ms  "
                      f"(Python CPU p50 {row[f'{name}_cpu_p50_ms']:.1f} ms, queries p50 "
                      f"{row[f'{name}_db_p50_ms']:.1f} ms)  {row[f'{name}_queries']} queries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
