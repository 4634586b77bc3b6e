"""Shifts that cross midnight and a daylight-saving change keep their true length."""

from __future__ import annotations

import datetime as dt

from roster.editing import assignment_create
from roster.models import Assignment, Roster
from roster.timeutil import shift_interval, true_minutes
from tests import factories as f

LONDON = "Europe/London"
NIGHT = dt.time(19, 0)


def test_a_night_shift_ends_the_next_morning():
    starts, ends = shift_interval(dt.date(2026, 6, 1), NIGHT, 720, LONDON)
    assert starts == dt.datetime(2026, 6, 1, 18, 0, tzinfo=dt.UTC)  # 19:00 BST
    assert ends == dt.datetime(2026, 6, 2, 6, 0, tzinfo=dt.UTC)
    assert true_minutes(starts, ends) == 720


def test_a_night_shift_when_the_clocks_go_back_lasts_thirteen_real_hours():
    # 25 October 2026: 02:00 BST becomes 01:00 GMT.
    starts, ends = shift_interval(dt.date(2026, 10, 24), NIGHT, 720, LONDON)
    assert true_minutes(starts, ends) == 780
    assert ends == dt.datetime(2026, 10, 25, 7, 0, tzinfo=dt.UTC)  # 07:00 GMT


def test_a_night_shift_when_the_clocks_go_forward_lasts_eleven_real_hours():
    # 29 March 2026: 01:00 GMT becomes 02:00 BST.
    starts, ends = shift_interval(dt.date(2026, 3, 28), NIGHT, 720, LONDON)
    assert true_minutes(starts, ends) == 660


def test_a_site_in_another_timezone_uses_its_own_clock():
    starts, _ = shift_interval(dt.date(2026, 1, 5), dt.time(7, 0), 720, "America/New_York")
    assert starts == dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def test_an_assignment_stores_the_true_instants_of_a_night_across_the_change(world):
    roster = f.RosterFactory(unit=world.icu, start_date=dt.date(2026, 10, 19), end_date=dt.date(2026, 11, 15))

    a = assignment_create(
        actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.night, day=dt.date(2026, 10, 24)
    )
    a = Assignment.objects.get(pk=a.pk)
    assert true_minutes(a.starts_at, a.ends_at) == 780
    assert a.starts_at.utcoffset() == dt.timedelta(0)
    assert roster.status == Roster.Status.DRAFT
