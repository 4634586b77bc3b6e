"""Backfill on PostgreSQL: ranking the candidates for one vacancy in a generated network
of 2,000 staff on 5 sites, and the time from a call-out's commit to the first wave's
offers recorded by a real Celery worker.

Usage::

    DATABASE_URL=postgres://USER@HOST:PORT/NAME REDIS_URL=redis://HOST:PORT/0 \
        python bench/backfill_benchmark.py [--runs 50] [--callouts 20] [--staff 2000] [--sites 5] [--json]

It creates a scratch database next to ``NAME`` (``test_NAME``, as the test suite does),
migrates it and drops it at the end: the database named in the URL is never written.

The network: ``--sites`` sites of 8 units each, ``--staff`` registered nurses spread
evenly over the units (one in five in the float pool, one in ten holding a skill, a
certificate each, a few on leave or on call), a published 14-day roster per unit from
tomorrow where everyone works about four shifts (days and nights), and cover minimums.

* Ranking: ``allocation.backfill.rank`` for one vacancy of the first unit (every person
  of its site checked against the rulebook, ordered with reasons), ``--runs`` times after
  two warm-ups: p50 and p95 wall time and the number of queries of one ranking.
* Call-out to first wave: ``--callouts`` call-outs recorded (a manager's approved sick
  leave, as the page does) in a unit whose policy broadcasts to the top 5; for each, the
  time from the commit to the first offer's row written by the worker (its
  ``offered_at``, the same machine's clock), p50 and p95. The worker is started here
  (``celery worker --pool=solo``) on ``REDIS_URL``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

UNITS_PER_SITE = 8


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build(staff_total: int, sites: int, seed: int = 7) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from roster.models import (
        Certification,
        CertificationType,
        CoverageRequirement,
        Leave,
        Roster,
        ShiftType,
        Site,
        Skill,
        Staff,
        Unit,
    )
    from roster.timeutil import shift_interval

    rng = random.Random(seed)
    User = get_user_model()
    admin = User.objects.create_superuser("bench-admin", "admin@example.org", "x")
    skill = Skill.objects.create(code="charge", name="Charge nurse")
    cert = CertificationType.objects.create(code="bls", name="BLS")
    start = dt.date.today() + dt.timedelta(days=1)
    days = [start + dt.timedelta(days=i) for i in range(14)]
    units: list[Unit] = []
    types: dict[int, tuple[ShiftType, ShiftType]] = {}
    for s in range(sites):
        site = Site.objects.create(name=f"Bench site {s}", code=f"bench{s}", timezone="Europe/London")
        types[site.pk] = (
            ShiftType.objects.create(site=site, code="D", name="Day", start_time=dt.time(7), duration_minutes=720),
            ShiftType.objects.create(site=site, code="N", name="Night", start_time=dt.time(19), duration_minutes=720,
                                     is_night=True),
        )
        for u in range(UNITS_PER_SITE):
            units.append(Unit.objects.create(site=site, name=f"S{s} unit {u}", code=f"u{u}",
                                             kind=Unit.Kind.ICU if u == 0 else Unit.Kind.MEDSURG, beds=24))
    users = User.objects.bulk_create([User(username=f"bench-{i}", password="!") for i in range(staff_total)])
    people = Staff.objects.bulk_create([
        Staff(user=users[i], employee_number=f"B{i:05d}", first_name=f"N{i}", last_name=f"Bench{i % 97}", role="RN",
              home_unit=units[i % len(units)], float_pool=i % 5 == 0, fte=rng.choice([1, 1, 0.8, 0.6]),
              seniority_years=rng.randrange(30), phone="07700 900000")
        for i in range(staff_total)])
    Staff.skills.through.objects.bulk_create([Staff.skills.through(staff_id=p.pk, skill_id=skill.pk)
                                              for p in people[::10]])
    Certification.objects.bulk_create([Certification(staff=p, type=cert, number=f"C{p.pk}", issued=dt.date(2025, 1, 1),
                                                     expires=dt.date(2028, 1, 1)) for p in people])
    Leave.objects.bulk_create([Leave(staff=p, kind="annual", start_date=days[2], end_date=days[4],
                                     status=Leave.Status.APPROVED) for p in people[3::40]])
    rosters = {u.pk: Roster.objects.create(unit=u, start_date=days[0], end_date=days[-1],
                                           status=Roster.Status.PUBLISHED, created_by=admin) for u in units}
    from roster.models import Assignment

    rows = []
    on_leave = {p.pk for p in people[3::40]}
    for p in people:
        unit = units[(p.pk - people[0].pk) % len(units)]
        day_t, night_t = types[unit.site_id]
        worked = sorted(rng.sample(range(14), 4))
        last = -2
        for i in worked:
            if i == last + 1 or (p.pk in on_leave and 2 <= i <= 4):
                continue
            st = night_t if rng.random() < 0.25 else day_t
            a, b = shift_interval(days[i], st.start_time, st.duration_minutes, unit.site.timezone)
            rows.append(Assignment(roster=rosters[unit.pk], staff=p, shift_type=st, date=days[i], starts_at=a,
                                   ends_at=b, live=True))
            last = i
    Assignment.objects.bulk_create(rows, batch_size=2000)
    CoverageRequirement.objects.bulk_create([
        CoverageRequirement(unit=u, date=d, shift_type=types[u.site_id][0], role="RN", minimum=1, preferred=2,
                            maximum=20) for u in units for d in days])
    return {"admin": admin, "units": units, "types": types, "days": days, "rosters": rosters,
            "assignments": len(rows)}


def bench_ranking(world: dict[str, Any], runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from allocation.backfill import rank
    from allocation.backfill.offers import vacancy_for
    from allocation.models.backfill import Vacancy
    from roster.models import OpenShift

    unit = world["units"][0]
    shift = OpenShift.objects.create(roster=world["rosters"][unit.pk], date=world["days"][3],
                                     shift_type=world["types"][unit.site_id][0], role="RN", posted_by=world["admin"])
    v = vacancy_for(shift, source=Vacancy.Source.SHORT)
    v = Vacancy.objects.select_related("unit__site", "shift_type", "skill", "certification_type").get(pk=v.pk)
    for _ in range(2):
        rank(v)
    if os.environ.get("BACKFILL_PROFILE"):
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(rank, v)
        pstats.Stats(prof, stream=sys.stderr).sort_stats(os.environ.get("BACKFILL_PROFILE_SORT", "cumulative")).print_stats(25)
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = rank(v)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        rank(v)
    return {"rank_p50_ms": round(_pct(times, 0.5), 1), "rank_p95_ms": round(_pct(times, 0.95), 1),
            "rank_queries": len(ctx.captured_queries),
            "rank_cpu_p50_ms": round(_pct(cpu, 0.5), 1), "pool": len(result.candidates) + len(result.excluded),
            "candidates": len(result.candidates), "excluded": len(result.excluded)}


def start_worker() -> subprocess.Popen[bytes]:
    from django.conf import settings

    from config.celery import app

    db = settings.DATABASES["default"]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test",
               DATABASE_URL=f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                             "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
                             "-n", "bench-backfill@%h"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if app.control.ping(timeout=1.0):
                return proc
        except Exception:  # the broker may not answer while the worker boots
            pass
    proc.kill()
    raise SystemExit("the worker did not answer within 90 s")


def bench_callouts(world: dict[str, Any], callouts: int) -> dict[str, Any]:
    from allocation.models.backfill import Offer, OfferPolicy, Vacancy
    from roster.models import Assignment, CoverageRequirement
    from roster.requests import leave_record

    unit = world["units"][1]
    OfferPolicy.objects.create(unit=unit, kind=OfferPolicy.Kind.BROADCAST, top_n=5)
    day_t = world["types"][unit.site_id][0]
    chosen = list(Assignment.objects.filter(roster__unit=unit, shift_type=day_t, live=True)
                  .order_by("date", "staff_id").select_related("staff"))
    seen: set[int] = set()
    picks = []
    for a in chosen:
        if a.staff_id not in seen:
            seen.add(a.staff_id)
            picks.append(a)
    picks = picks[:callouts]
    from django.db.models import Count

    working = dict(Assignment.objects.filter(roster__unit=unit, shift_type=day_t, live=True)
                   .values_list("date").annotate(n=Count("pk")).values_list("date", "n"))
    # Every place counted: a call-out on any day leaves it short.
    for d, n in working.items():
        CoverageRequirement.objects.filter(unit=unit, date=d, shift_type=day_t).update(minimum=n, preferred=n, maximum=n + 5)
    waits = []
    proc = start_worker()
    try:
        for a in picks:
            leave_record(actor=world["admin"], staff=a.staff, kind="sick", start_date=a.date, end_date=a.date)
            from django.utils import timezone

            committed = timezone.now()
            v = Vacancy.objects.filter(open_shift__date=a.date, unit=unit).order_by("-pk").first()
            assert v is not None, "the call-out made no vacancy"
            deadline = time.monotonic() + 30
            first = None
            while first is None and time.monotonic() < deadline:
                first = Offer.objects.filter(vacancy=v).order_by("offered_at").values_list("offered_at",
                                                                                           flat=True).first()
                if first is None:
                    time.sleep(0.005)
            if first is None:
                raise SystemExit(f"no offer recorded for vacancy {v.pk} within 30 s")
            waits.append(max(0.0, (first - committed).total_seconds() * 1000))
            # The same place called out again later would be a different vacancy: restore the minimum's count.
            left = Assignment.objects.filter(roster__unit=unit, date=a.date, shift_type=day_t, live=True).count()
            CoverageRequirement.objects.filter(unit=unit, date=a.date, shift_type=day_t).update(
                minimum=left, preferred=left)
            # Let the open shift go, so the next call-out on that day posts its own place.
            v.open_shift.status = "withdrawn"
            v.open_shift.save(update_fields=["status"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"callouts": len(waits), "first_wave_p50_ms": round(_pct(waits, 0.5), 1),
            "first_wave_p95_ms": round(_pct(waits, 0.95), 1), "first_wave_max_ms": round(max(waits), 1),
            "first_wave_mean_ms": round(statistics.mean(waits), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--callouts", type=int, default=20)
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL server (a scratch database is made next to it).", file=sys.stderr)
        return 2
    if not os.environ.get("REDIS_URL"):
        print("Set REDIS_URL: the call-out figures need a real worker on Redis.", file=sys.stderr)
        return 2

    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        started = time.perf_counter()
        world = build(args.staff, args.sites)
        print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        row: dict[str, Any] = {"staff": args.staff, "sites": args.sites, "units": len(world["units"]),
                               "assignments": world["assignments"], "build_s": round(time.perf_counter() - started, 1)}
        row.update(bench_ranking(world, args.runs))
        print(f"ranked: p95 {row['rank_p95_ms']} ms", file=sys.stderr, flush=True)
        row.update(bench_callouts(world, args.callouts))
    finally:
        teardown_databases(old, verbosity=0)
    if args.json:
        print(json.dumps(row))
    else:
        print(f"{row['staff']} staff, {row['sites']} sites, {row['units']} units, {row['assignments']} shifts in force "
              f"(built in {row['build_s']} s)")
        print(f"  ranking one vacancy ({row['pool']} people of its site: {row['candidates']} candidates, "
              f"{row['excluded']} excluded): p50 {row['rank_p50_ms']} ms, p95 {row['rank_p95_ms']} ms, "
              f"{row['rank_queries']} queries (Python CPU p50 {row['rank_cpu_p50_ms']} ms)")
        print(f"  call-out commit to first wave's offers on a worker ({row['callouts']} call-outs): "
              f"p50 {row['first_wave_p50_ms']} ms, p95 {row['first_wave_p95_ms']} ms, max {row['first_wave_max_ms']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
