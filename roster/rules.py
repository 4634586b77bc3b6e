"""Hard rules checked on one proposed shift against a person's real, aware shifts.

Plain Python on dataclasses (no Django): the services call it before every manual
change, on real instants, so a night that crosses a daylight-saving change counts its
true hours. The same rules are in the roster solver's model and its verifier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Rule codes, shared with Waiver.rule: a waiver names the one rule it excepts.
OVERLAP = "overlap"
ONE_SHIFT_A_DAY = "one_shift_a_day"
LEAVE = "leave"
MIN_REST = "min_rest"
MAX_SHIFT_LENGTH = "max_shift_length"
MAX_HOURS_7_DAYS = "max_hours_7_days"
MAX_CONSECUTIVE_DAYS = "max_consecutive_days"
MAX_CONSECUTIVE_NIGHTS = "max_consecutive_nights"
CERTIFICATION = "certification"

RULE_LABELS = {
    OVERLAP: "Overlapping shift",
    ONE_SHIFT_A_DAY: "One shift a day",
    LEAVE: "On leave",
    MIN_REST: "Minimum rest between shifts",
    MAX_SHIFT_LENGTH: "Maximum shift length",
    MAX_HOURS_7_DAYS: "Maximum hours in 7 days",
    MAX_CONSECUTIVE_DAYS: "Maximum consecutive days",
    MAX_CONSECUTIVE_NIGHTS: "Maximum consecutive nights",
    CERTIFICATION: "Certification or skill missing",
}
# Never waived: nobody can be in two places at once; approved leave is the person's, not
# the roster's, to give up (they withdraw it first); and a missing certification or skill
# is a patient-safety rule, not a fatigue tradeoff a manager may weigh.
UNWAIVABLE = frozenset({OVERLAP, ONE_SHIFT_A_DAY, LEAVE, CERTIFICATION})


@dataclass(frozen=True)
class Limits:
    max_shift_minutes: int = 720
    min_rest_minutes: int = 600
    max_minutes_7_days: int = 3600
    max_consecutive_days: int = 6
    max_consecutive_nights: int = 4


@dataclass(frozen=True)
class Shift:
    day: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    is_night: bool = False
    label: str = ""
    # The length on the clock face as rostered; None means the true length.
    rostered_minutes: int | None = None

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class Breach:
    rule: str
    detail: str

    @property
    def label(self) -> str:
        return RULE_LABELS.get(self.rule, self.rule)

    @property
    def waivable(self) -> bool:
        return self.rule not in UNWAIVABLE


@dataclass
class Person:
    """What the rules need to know about a person around the proposed shift."""

    shifts: list[Shift] = field(default_factory=list)
    leave_days: set[dt.date] = field(default_factory=set)
    missing_qualifications: list[str] = field(default_factory=list)


def _run_length(days: set[dt.date], day: dt.date) -> int:
    """Length of the run of consecutive days in ``days`` that contains ``day``."""
    length = 1
    d = day - dt.timedelta(days=1)
    while d in days:
        length += 1
        d -= dt.timedelta(days=1)
    d = day + dt.timedelta(days=1)
    while d in days:
        length += 1
        d += dt.timedelta(days=1)
    return length


def check_shift(person: Person, proposed: Shift, limits: Limits) -> list[Breach]:
    """Every hard rule the proposed shift would break, given the person's other shifts.

    ``person.shifts`` must hold at least the shifts within eight days either side of the
    proposed one (the widest window a rule looks at) and must not include it.
    """
    breaches: list[Breach] = []
    others = sorted(person.shifts, key=lambda s: s.starts_at)

    # The shift-length limit applies to the rostered length: a 12 h night on the night
    # the clocks go back is 13 real hours, which counts in rest and rolling hours below,
    # but it is still a 12 h shift by the contract and the field guidance.
    length = proposed.rostered_minutes if proposed.rostered_minutes is not None else proposed.minutes
    if length > limits.max_shift_minutes:
        breaches.append(
            Breach(MAX_SHIFT_LENGTH, f"{length / 60:g} h is over the {limits.max_shift_minutes / 60:g} h limit")
        )
    if proposed.day in person.leave_days:
        breaches.append(Breach(LEAVE, f"on approved leave on {proposed.day:%a %d %b}"))
    for qualification in person.missing_qualifications:
        breaches.append(Breach(CERTIFICATION, qualification))

    for other in others:
        if other.day == proposed.day:
            breaches.append(Breach(ONE_SHIFT_A_DAY, f"already works {other.label or 'a shift'} on {other.day:%a %d %b}"))
        if other.starts_at < proposed.ends_at and proposed.starts_at < other.ends_at:
            breaches.append(Breach(OVERLAP, f"overlaps {other.label or 'a shift'} on {other.day:%a %d %b}"))
            continue
        if other.ends_at <= proposed.starts_at:
            gap = (proposed.starts_at - other.ends_at).total_seconds() / 60
        else:
            gap = (other.starts_at - proposed.ends_at).total_seconds() / 60
        if gap < limits.min_rest_minutes:
            when = "after" if other.ends_at <= proposed.starts_at else "before"
            breaches.append(
                Breach(
                    MIN_REST,
                    f"only {gap / 60:g} h rest {when} {other.label or 'a shift'} on {other.day:%a %d %b}"
                    f" (minimum {limits.min_rest_minutes / 60:g} h)",
                )
            )

    # Rolling 7 days: every 7-day window (in real time) that contains the proposed shift.
    everything = [*others, proposed]
    window = dt.timedelta(days=7)
    for anchor in everything:
        start = anchor.starts_at
        end = start + window
        if not (proposed.starts_at < end and proposed.ends_at > start):
            continue
        total = 0.0
        for s in everything:
            lo, hi = max(s.starts_at, start), min(s.ends_at, end)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        if total > limits.max_minutes_7_days:
            breaches.append(
                Breach(
                    MAX_HOURS_7_DAYS,
                    f"{total / 60:g} h in the 7 days from {anchor.day:%a %d %b}"
                    f" (limit {limits.max_minutes_7_days / 60:g} h)",
                )
            )
            break

    worked = {s.day for s in others} | {proposed.day}
    run = _run_length(worked, proposed.day)
    if run > limits.max_consecutive_days:
        breaches.append(
            Breach(MAX_CONSECUTIVE_DAYS, f"{run} days in a row (limit {limits.max_consecutive_days})")
        )
    if proposed.is_night:
        nights = {s.day for s in others if s.is_night} | {proposed.day}
        run = _run_length(nights, proposed.day)
        if run > limits.max_consecutive_nights:
            breaches.append(
                Breach(MAX_CONSECUTIVE_NIGHTS, f"{run} nights in a row (limit {limits.max_consecutive_nights})")
            )
    return breaches
