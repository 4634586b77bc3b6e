"""Fatigue risk levels, as the roster grid shows them."""

from __future__ import annotations

import datetime as dt

from roster.fatigue import GREEN, ORANGE, RED, YELLOW, peak_risk, risk_after
from roster.rules import Limits, Shift
from roster.timeutil import shift_interval

MON = dt.date(2026, 5, 4)


def shift(offset: int, hour: int = 7, minutes: int = 720, night: bool = False) -> Shift:
    day = MON + dt.timedelta(days=offset)
    s, e = shift_interval(day, dt.time(hour, 0), minutes, "Europe/London")
    return Shift(day, s, e, night, "N" if night else "D")


def test_a_person_with_no_shifts_is_green():
    assert risk_after([], MON, Limits()).level == GREEN


def test_an_eight_hour_day_is_green():
    assert risk_after([shift(0, 7, 480)], MON, Limits()).level == GREEN


def test_a_twelve_hour_shift_is_yellow_on_its_day():
    risk = risk_after([shift(0)], MON, Limits())
    assert risk.level == YELLOW and "extended" in risk.reasons[0]


def test_a_short_turnaround_is_yellow():
    # Late 14:00–22:00 then early 07:00: nine hours between.
    assert risk_after([shift(0, 14, 480), shift(1, 7, 480)], MON + dt.timedelta(days=1), Limits()).level == YELLOW


def test_two_twelve_hour_nights_in_a_row_are_orange():
    nights = [shift(0, 19, night=True), shift(1, 19, night=True)]
    assert risk_after(nights, MON + dt.timedelta(days=1), Limits()).level == ORANGE


def test_sixty_hours_in_seven_days_is_red_stand_down():
    days = [shift(i) for i in range(5)]
    risk = risk_after(days, MON + dt.timedelta(days=4), Limits())
    assert risk.level == RED and "7 days" in risk.reasons[0]


def test_the_peak_names_the_first_day_it_is_reached():
    days = [shift(i, 7, 480) for i in range(6)]
    risk, when = peak_risk(days, [MON + dt.timedelta(days=i) for i in range(7)], Limits(max_consecutive_days=6))
    assert risk.level == RED and when == MON + dt.timedelta(days=5)
