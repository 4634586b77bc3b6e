"""The hard rules on real instants, without a database."""

from __future__ import annotations

import datetime as dt

from roster import rules
from roster.timeutil import shift_interval

TZ = "Europe/London"


def shift(day: dt.date, hour: int, minutes: int = 720, night: bool = False) -> rules.Shift:
    s, e = shift_interval(day, dt.time(hour, 0), minutes, TZ)
    return rules.Shift(day, s, e, night, "N" if night else "D", rostered_minutes=minutes)


D = dt.date(2026, 5, 4)


def codes(breaches: list[rules.Breach]) -> set[str]:
    return {b.rule for b in breaches}


def test_a_rested_person_can_work():
    person = rules.Person(shifts=[shift(D, 7)])
    assert rules.check_shift(person, shift(D + dt.timedelta(days=1), 7), rules.Limits()) == []


def test_nine_hours_rest_is_too_little_when_ten_are_required():
    person = rules.Person(shifts=[shift(D, 7)])  # ends 19:00
    late_start = rules.check_shift(person, shift(D + dt.timedelta(days=1), 4, 480), rules.Limits())
    assert codes(late_start) == {rules.MIN_REST}


def test_the_rest_rule_looks_forward_as_well_as_back():
    person = rules.Person(shifts=[shift(D + dt.timedelta(days=1), 7)])
    assert rules.MIN_REST in codes(rules.check_shift(person, shift(D, 19, night=True), rules.Limits()))


def test_the_seven_day_window_counts_real_hours_across_the_clock_change():
    # Nights from Tue 20 to Sat 24 October 2026: the Saturday night is 13 real hours.
    first = dt.date(2026, 10, 20)
    person = rules.Person(shifts=[shift(first + dt.timedelta(days=i), 19, night=True) for i in range(4)])
    limits = rules.Limits(max_minutes_7_days=60 * 60, max_consecutive_nights=7)
    breaches = rules.check_shift(person, shift(first + dt.timedelta(days=4), 19, night=True), limits)
    assert codes(breaches) == {rules.MAX_HOURS_7_DAYS}


def test_consecutive_days_count_runs_on_both_sides():
    person = rules.Person(shifts=[shift(D + dt.timedelta(days=i), 7, 480) for i in (0, 1, 2, 4, 5, 6)])
    breaches = rules.check_shift(person, shift(D + dt.timedelta(days=3), 7, 480), rules.Limits())
    assert rules.MAX_CONSECUTIVE_DAYS in codes(breaches)


def test_an_overlap_is_named_and_cannot_be_waived():
    person = rules.Person(shifts=[shift(D, 7)])
    [breach, *_] = [b for b in rules.check_shift(person, shift(D, 13, 480), rules.Limits()) if b.rule == rules.OVERLAP]
    assert not breach.waivable


def test_a_shift_longer_than_the_limit_is_refused():
    assert rules.MAX_SHIFT_LENGTH in codes(rules.check_shift(rules.Person(), shift(D, 7, 720), rules.Limits(max_shift_minutes=600)))
