"""Hard rules checked on one proposed shift against a person's real, aware shifts.

Plain Python on dataclasses (no Django): the write functions call it before every manual
change, on real instants, so a night that crosses a daylight-saving change counts its
true hours. The same rules are in the roster solver's model and its verifier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# The codes, labels and limits come from the rulebook; this module only applies them.
from .rulebook import (
    CERTIFICATION,
    LEAVE,
    MAX_CONSECUTIVE_DAYS,
    MAX_CONSECUTIVE_NIGHTS,
    MAX_HOURS_7_DAYS,
    MAX_SHIFT_LENGTH,
    MIN_REST,
    ONE_SHIFT_A_DAY,
    OVERLAP,
    UNAVAILABLE_WEEKDAY,
    UNIT_ACCESS,
    Limits,
    is_waivable,
)
from .rulebook import label as rule_label

__all__ = [
    "CERTIFICATION", "LEAVE", "MAX_CONSECUTIVE_DAYS", "MAX_CONSECUTIVE_NIGHTS", "MAX_HOURS_7_DAYS",
    "MAX_SHIFT_LENGTH", "MIN_REST", "ONE_SHIFT_A_DAY", "OVERLAP", "UNAVAILABLE_WEEKDAY", "UNIT_ACCESS",
    "Breach", "Limits", "Person", "Shift", "check_shift",
]


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
        return rule_label(self.rule)

    @property
    def waivable(self) -> bool:
        return is_waivable(self.rule)


@dataclass
class Person:
    """What the rules need to know about a person around the proposed shift."""

    shifts: list[Shift] = field(default_factory=list)
    leave_days: set[dt.date] = field(default_factory=set)
    # Rules of placement already found by the caller (unit access, role, skill,
    # certification), reported with the rest.
    placement: list[Breach] = field(default_factory=list)


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
    if proposed.day.weekday() in limits.unavailable_weekdays:
        breaches.append(Breach(UNAVAILABLE_WEEKDAY, f"the contract excludes {proposed.day:%A}s"))
    breaches += person.placement

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

    # Hours in any 7 days: the real minutes of the shifts starting on any 7 consecutive
    # calendar days that include the proposed shift's day (the rulebook's definition).
    everything = [*others, proposed]
    for first in (proposed.day - dt.timedelta(days=k) for k in range(6, -1, -1)):
        last = first + dt.timedelta(days=6)
        total = sum(s.minutes for s in everything if first <= s.day <= last)
        if total > limits.max_minutes_7_days:
            breaches.append(
                Breach(
                    MAX_HOURS_7_DAYS,
                    f"{total / 60:g} h in the 7 days from {first:%a %d %b}"
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
