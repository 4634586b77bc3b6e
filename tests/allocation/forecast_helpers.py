"""History for the forecast tests: Poisson arrivals at a known rate, fixed stays."""

from __future__ import annotations

import datetime as dt

import numpy as np

from allocation.models import CensusEvent

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def history(unit, *, days: int, rate: float, stay_hours: int, end: dt.datetime = NOW, seed: int = 1,
            start_census: int = 0) -> None:
    """Poisson arrivals at ``rate`` an hour for ``days`` days before ``end``; each
    patient leaves ``stay_hours`` later (if that is before ``end``)."""
    rng = np.random.default_rng(seed)
    start = end - dt.timedelta(days=days)
    rows = [CensusEvent(unit=unit, kind="admit", occurred_at=start - HOUR, sender="h", event_id=f"{unit.pk}-s{i}")
            for i in range(start_census)]
    n = 0
    for h in range(days * 24):
        at = start + h * HOUR
        for _ in range(rng.poisson(rate)):
            n += 1
            minute = dt.timedelta(minutes=int(rng.integers(0, 60)))
            rows.append(CensusEvent(unit=unit, kind="admit", occurred_at=at + minute, sender="h",
                                    event_id=f"{unit.pk}-a{n}"))
            leaves = at + minute + stay_hours * HOUR
            if leaves < end:
                rows.append(CensusEvent(unit=unit, kind="discharge", occurred_at=leaves, sender="h",
                                        event_id=f"{unit.pk}-d{n}"))
    CensusEvent.objects.bulk_create(rows, batch_size=2000)
