"""A generated, realistic hospital roster problem (benchmarks, demos and tests).

:func:`hospital_unit` builds a medical-surgical ward and a small ICU that share a
float pool, over four weeks:

* shift types D 07:00 (8 h, or 12 h with ``day_hours=12``), E 15:00 8 h and
  N 23:00 8 h (a night crossing midnight); the rest rule (10 h) forbids E→D, N→D and
  N→E on consecutive days;
* coverage minimums from a census profile and ratio rules (required RNs =
  ceil(patients / ratio), ward 1:5 days and evenings, 1:6 nights, ICU 1:2), plus
  one charge nurse and one ACLS holder per shift and unit; a preferred level one
  above the minimum on ward day shifts; a maximum 3 above the minimum on the ward
  and 2 in the ICU for 60 nurses, growing in proportion on a larger team;
* nurses with FTE 1.0 / 0.8 / 0.6, seniority in years, ICU skill (the ICU requires
  it and a valid ACLS), some ACLS certificates expiring during the period, a float
  pool allowed on both units, some who do no nights;
* contracts (max 5 consecutive days, min 2 days off in a row, no isolated working
  day, every other weekend, max 8 nights, contracted hours ± 16 h), default fatigue
  rules (12 h max shift, 10 h rest, 60 h in 7 days, 6 days / 4 nights in a row),
  annual leave weeks, sick days, shift requests, and the last 7 days of history.

Everything is drawn from ``random.Random(seed)``, so a seed always gives the same
problem.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from roster.solver.problem import (
    Contract,
    CoverageRequirement,
    FatigueRules,
    Problem,
    ShiftRequest,
    ShiftType,
    SoftWeights,
    Staff,
    Unit,
)

WARD = "MED"
ICU = "ICU"


def hospital_unit(seed: int = 7, num_nurses: int = 60, num_days: int = 28,
                  day_hours: int = 8, start: dt.date = dt.date(2025, 3, 3)) -> Problem:
    """A two-unit (ward + ICU) rostering problem; see the module docstring."""
    rng = random.Random(seed)
    shifts = (
        ShiftType("D", day_hours * 60, start_minute=7 * 60, label="day"),
        ShiftType("E", 8 * 60, start_minute=15 * 60, label="evening"),
        ShiftType("N", 8 * 60, start_minute=23 * 60, is_night=True, label="night"),
    )
    units = (
        Unit(WARD, "Medical-surgical ward", allowed_roles=frozenset({"RN"})),
        Unit(ICU, "Intensive care", allowed_roles=frozenset({"RN"}),
             required_skills=frozenset({"icu"}), required_certifications=frozenset({"ACLS"})),
    )

    staff: list[Staff] = []
    n_icu = round(num_nurses * 0.35)
    n_float = round(num_nurses * 0.15)
    for i in range(num_nurses):
        sid = f"N{i + 1:02d}"
        fte = rng.choices([1.0, 0.8, 0.6], weights=[60, 25, 15])[0]
        seniority = rng.randint(0, 25)
        icu = i < n_icu
        is_float = n_icu <= i < n_icu + n_float or (icu and i % 4 == 0)
        skills = {"icu"} if icu else set()
        if seniority >= 5 and (i % 3 == 0 or seniority >= 15):
            skills.add("charge")
        certs: dict[str, int | None] = {}
        if icu:
            certs["ACLS"] = None
        elif rng.random() < 0.45:
            # A few ward certificates lapse during the period (renewal pending).
            certs["ACLS"] = rng.choice([None] * 6 + [rng.randint(5, num_days - 3)])
        home = ICU if icu else WARD
        allowed = frozenset({WARD, ICU}) if is_float else frozenset({home})
        no_nights = rng.random() < 0.15
        days_off: dict[int, str] = {}
        if rng.random() < 0.2:
            first = rng.randrange(0, num_days - 6)
            for d in range(first, first + 7):
                days_off[d] = "annual leave"
        if rng.random() < 0.1:
            days_off[rng.randrange(num_days)] = "sick leave"
        # Hours are contracted over the days actually available (leave is paid).
        contracted = round(fte * 2400 * (num_days - len(days_off)) / 7)
        contract = Contract(
            max_shifts_per_type={"N": 0 if no_nights else 8},
            min_total_minutes=max(0, contracted - 24 * 60),
            max_total_minutes=contracted + 16 * 60,
            min_consecutive_work_days=2,
            max_consecutive_work_days=5,
            min_consecutive_days_off=2,
            max_weekends=max(1, num_days // 14),
            contracted_minutes=contracted,
        )
        history = _history(rng, no_nights)
        staff.append(Staff(
            id=sid, role="RN", skills=frozenset(skills), certifications=certs, fte=fte,
            seniority=seniority, home_unit=home, allowed_units=allowed, contract=contract,
            days_off=days_off, history=history,
        ))

    coverage: list[CoverageRequirement] = []
    for d in range(num_days):
        weekend = (start + dt.timedelta(days=d)).weekday() >= 5
        # The census scales with the team so smaller test units stay staffable; so do
        # the places above each minimum on a larger team (a site: as generated with
        # the 60-nurse unit's margins, 250 nurses' contracts needed more shifts than
        # the slots' maximums left).
        scale = num_nurses / 60
        ward_margin, icu_margin = max(3, round(3 * scale)), max(2, round(2 * scale))
        ward_census = round((rng.randint(27, 32) - (3 if weekend else 0)) * scale)
        icu_census = max(1, round(rng.randint(5, 6) * scale))
        for t, ward_ratio, icu_ratio in (("D", 5, 2), ("E", 5, 2), ("N", 6, 2)):
            ward_min = math.ceil(ward_census / ward_ratio)
            icu_min = math.ceil(icu_census / icu_ratio)
            coverage.append(CoverageRequirement(
                d, t, unit=WARD, minimum=ward_min, roles=frozenset({"RN"}),
                preferred=ward_min + 1 if t == "D" else ward_min,
                maximum=ward_min + ward_margin, priority=2, weight_under=10, weight_over=4,
                label=f"RNs 1:{ward_ratio}"))
            coverage.append(CoverageRequirement(
                d, t, unit=ICU, minimum=icu_min, roles=frozenset({"RN"}), preferred=icu_min,
                maximum=icu_min + icu_margin, priority=3, weight_under=10, weight_over=6,
                label="RNs 1:2"))
            for unit in (WARD, ICU):
                coverage.append(CoverageRequirement(
                    d, t, unit=unit, minimum=1, skills=frozenset({"charge"}), priority=2,
                    label="charge nurse"))
                coverage.append(CoverageRequirement(
                    d, t, unit=unit, minimum=1, certifications=frozenset({"ACLS"}),
                    priority=3, label="ACLS holder"))

    requests: list[ShiftRequest] = []
    for person in staff:
        for _ in range(rng.randint(1, 4)):
            d = rng.randrange(num_days)
            if d in person.days_off:
                continue
            if rng.random() < 0.7:
                requests.append(ShiftRequest(person.id, d, None, on=False,
                                             weight=rng.randint(1, 3)))
            else:
                requests.append(ShiftRequest(person.id, d, rng.choice(["D", "E"]), on=True,
                                             weight=rng.randint(1, 3)))

    return Problem(
        name=f"hospital-unit-seed{seed}",
        num_days=num_days,
        shift_types=shifts,
        staff=tuple(staff),
        coverage=tuple(coverage),
        requests=tuple(requests),
        units=units,
        start_date=start,
        fatigue=FatigueRules(max_shift_minutes=720, min_rest_minutes=600,
                             max_minutes_7_days=3600, max_consecutive_days=6,
                             max_consecutive_nights=4),
        weights=SoftWeights(fairness_nights=4, fairness_weekends=4, fairness_hours=1,
                            no_senior=5, stability=0, overtime_per_hour=2),
        senior_min_seniority=5,
    )


def _history(rng: random.Random, no_nights: bool) -> tuple[str | None, ...]:
    """Seven plausible days before the period (a run of one shift type, then off)."""
    out: list[str | None] = []
    kind = "D" if no_nights else rng.choice(["D", "D", "E", "N"])
    run = rng.choice([0, 2, 3, 4])  # no one-day run: it would have to continue on day 0
    off = rng.randint(2, 3)
    pattern = [None] * off + [kind] * run
    while len(out) < 7:
        out.extend(pattern if pattern else [None])
    return tuple(out[-7:])
