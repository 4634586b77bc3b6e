"""Fatigue risk level of a person at a point in their roster.

green  — rested.
yellow — an extended shift (over 8 h) in the last day, or a short turnaround (less than
         12 h between two shifts) in the last two days.
orange — consecutive extended shifts: three or more extended shifts on consecutive
         days, or two extended nights in a row.
red    — at a regulatory limit: the hours in the last 7 days, or the run of
         consecutive days or nights, has reached its maximum. Mandatory stand-down:
         nothing more can be assigned until the person has rested.

Plain Python on the same ``rules.Shift`` records the rule checks use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise

from .rules import Limits, Shift

GREEN, YELLOW, ORANGE, RED = "green", "yellow", "orange", "red"
LEVELS = (GREEN, YELLOW, ORANGE, RED)
EXTENDED_MINUTES = 8 * 60
SHORT_TURNAROUND_MINUTES = 12 * 60


@dataclass(frozen=True)
class Risk:
    level: str
    reasons: tuple[str, ...]


def _consecutive_days(days: list[dt.date], last: dt.date) -> int:
    run, present = 0, set(days)
    d = last
    while d in present:
        run += 1
        d -= dt.timedelta(days=1)
    return run


def risk_after(shifts: list[Shift], day: dt.date, limits: Limits) -> Risk:
    """The person's risk at the end of their shift on ``day`` (or of that day if they
    are off), given every shift they work."""
    done = sorted((s for s in shifts if s.day <= day), key=lambda s: s.starts_at)
    if not done:
        return Risk(GREEN, ())
    last = done[-1]
    now = last.ends_at if last.day == day else last.ends_at + dt.timedelta(days=(day - last.day).days)
    reasons: list[str] = []

    window_start = now - dt.timedelta(days=7)
    minutes = sum(
        (min(s.ends_at, now) - max(s.starts_at, window_start)).total_seconds() / 60
        for s in done
        if s.ends_at > window_start
    )
    run_days = _consecutive_days([s.day for s in done], day)
    run_nights = _consecutive_days([s.day for s in done if s.is_night], day)
    if minutes >= limits.max_minutes_7_days:
        reasons.append(f"{minutes / 60:g} h in the last 7 days (limit {limits.max_minutes_7_days / 60:g} h)")
    if run_days >= limits.max_consecutive_days:
        reasons.append(f"{run_days} days in a row (limit {limits.max_consecutive_days})")
    if run_nights >= limits.max_consecutive_nights:
        reasons.append(f"{run_nights} nights in a row (limit {limits.max_consecutive_nights})")
    if reasons:
        return Risk(RED, tuple(reasons))

    extended = [s for s in done if s.minutes > EXTENDED_MINUTES]
    run_extended = _consecutive_days([s.day for s in extended], day)
    run_extended_nights = _consecutive_days([s.day for s in extended if s.is_night], day)
    if run_extended >= 3:
        reasons.append(f"{run_extended} extended shifts in a row")
    if run_extended_nights >= 2:
        reasons.append(f"{run_extended_nights} extended nights in a row")
    if reasons:
        return Risk(ORANGE, tuple(reasons))

    if last.day == day and last.minutes > EXTENDED_MINUTES:
        reasons.append(f"extended shift ({last.minutes / 60:g} h)")
    recent = [s for s in done if (day - s.day).days <= 2]
    for before, after in pairwise(recent):
        gap = (after.starts_at - before.ends_at).total_seconds() / 60
        if gap < SHORT_TURNAROUND_MINUTES:
            reasons.append(f"short turnaround ({gap / 60:g} h) before {after.label or 'a shift'} on {after.day:%a %d}")
    if reasons:
        return Risk(YELLOW, tuple(reasons))
    return Risk(GREEN, ())


def peak_risk(shifts: list[Shift], days: list[dt.date], limits: Limits) -> tuple[Risk, dt.date | None]:
    """The highest risk a person reaches on any of ``days``, and the first day it does."""
    best, when = Risk(GREEN, ()), None
    for day in days:
        risk = risk_after(shifts, day, limits)
        if LEVELS.index(risk.level) > LEVELS.index(best.level):
            best, when = risk, day
    return best, when
