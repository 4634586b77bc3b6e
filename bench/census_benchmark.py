"""Census event ingestion rate on PostgreSQL: one event per request, and batches.

Usage::

    DATABASE_URL=postgres://USER@HOST:PORT/NAME python bench/census_benchmark.py \
        [--units 10] [--single 500] [--batch-sizes 10,100,1000] [--batches 5] [--json]

It creates a scratch database next to ``NAME`` (``test_NAME``, as the test suite does),
migrates it, and drops it at the end: the database named in the URL is never written.
Without ``REDIS_URL`` the recompute tasks queued after each commit go to a file-system
broker in a temporary directory (nothing consumes them); with it, to that Redis.

Events are posted as a site's system would, through the API with Django's test client
(``POST /api/census/events/`` and ``/api/census/events/batch/`` as a coordinator):
validation, the idempotency check, the insert, the audit rows and the queued recompute
are all in the figures; the network is not. It prints events per second and the
median milliseconds per request for single events and for each batch size, and the
rate of duplicates (the same batch sent again: nothing written).
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    os.environ.setdefault("HEADROOM_DATA_DIR", tempfile.mkdtemp(prefix="census-bench-"))


def run(units: int, single: int, batch_sizes: list[int], batches: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework.test import APIClient

    from roster.models import Access, Site, Unit

    site = Site.objects.create(name="Bench General", code="bench")
    unit_ids = [Unit.objects.create(site=site, name=f"Unit {i}", code=f"u{i}", kind=Unit.Kind.MEDSURG, beds=30).pk
                for i in range(units)]
    user = get_user_model().objects.create_user(username="bench-coordinator", password="x")
    access = Access.objects.create(user=user, level=Access.Level.SITE_COORDINATOR)
    access.sites.add(site)
    client = APIClient()
    client.force_authenticate(user)
    start = timezone.now() - dt.timedelta(days=1)
    counter = iter(range(10**9))

    def event(k: int) -> dict[str, object]:
        n = next(counter)
        kind = "admit" if n % 2 == 0 else "discharge"
        return {"sender": "bench", "event_id": f"e{n}", "unit": unit_ids[k % units], "movement": kind,
                "occurred_at": (start + dt.timedelta(seconds=n)).isoformat()}

    out: dict[str, object] = {"units": units}
    times = []
    for k in range(single):
        body = event(k)
        started = time.perf_counter()
        response = client.post("/api/census/events/", body, format="json")
        times.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content
    out["single"] = {"requests": single, "events_per_s": round(single / sum(times), 1),
                     "ms_p50": round(1000 * statistics.median(times), 2)}
    for size in batch_sizes:
        times, sent = [], []
        for _ in range(batches):
            body = {"events": [event(k) for k in range(size)]}
            started = time.perf_counter()
            response = client.post("/api/census/events/batch/", body, format="json")
            times.append(time.perf_counter() - started)
            assert response.status_code == 201, response.content
            sent.append(body)
        started = time.perf_counter()
        assert client.post("/api/census/events/batch/", sent[-1], format="json").status_code == 200
        again = time.perf_counter() - started
        out[f"batch_{size}"] = {"requests": batches, "events_per_s": round(size * batches / sum(times), 1),
                                "ms_p50": round(1000 * statistics.median(times), 1),
                                "duplicates_per_s": round(size / again, 1)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--single", type=int, default=500)
    parser.add_argument("--batch-sizes", default="10,100,1000")
    parser.add_argument("--batches", type=int, default=5)
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
        result = run(args.units, args.single, [int(s) for s in args.batch_sizes.split(",")], args.batches)
    finally:
        teardown_databases(old, verbosity=0)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"Census event ingestion through the API, {args.units} units, PostgreSQL")
    print(f"{'':<14}{'events/s':>10}{'ms/request p50':>16}{'duplicates/s':>14}")
    for key, row in result.items():
        if isinstance(row, dict):
            print(f"{key:<14}{row['events_per_s']:>10}{row['ms_p50']:>16}{row.get('duplicates_per_s', ''):>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
