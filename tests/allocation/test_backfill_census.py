"""Census vacancies: a unit short on the shift running now gets one vacancy per missing
place, once; the shortfall must hold for half an hour; nothing for a shift that has
ended or a day no roster in force covers."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from allocation.backfill.census import census_vacancies_open
from allocation.models import CensusEvent
from allocation.models.backfill import Vacancy
from roster.models import Assignment, OpenShift, RatioRule, Roster, ShiftType, Unit
from tests import factories as f

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
M = dt.timedelta(minutes=1)
_ids = itertools.count(1)


def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def at(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(day() + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=LONDON)



def census(unit, kind: str, when: dt.datetime, n: int = 1) -> None:
    for _ in range(n):
        CensusEvent.objects.create(unit=unit, kind=kind, occurred_at=when, sender="adt", event_id=f"c{next(_ids)}")


def icu_short(world, *, patients: int = 6, roster: bool = True) -> Unit:
    """The ICU at 1 RN : 2 patients with one nurse on the day shift: six patients ask for
    three, two places short since 02:00."""
    if roster:
        published = f.RosterFactory(unit=world.icu, start_date=day() - dt.timedelta(days=1),
                                    end_date=day() + dt.timedelta(days=5), status=Roster.Status.PUBLISHED)
        Assignment.objects.create(roster=published, staff=world.nurse, shift_type=world.day, date=day(),
                                  starts_at=at(7), ends_at=at(19), live=True)
    RatioRule.objects.create(unit=world.icu, role="RN", patients_per_staff=2)
    census(world.icu, "admit", at(2), patients)
    return Unit.objects.select_related("site").get(pk=world.icu.pk)


def run(unit, now):
    (outcome,) = census_vacancies_open(now=now, units=[unit])
    return outcome


def census_vacancies():
    return list(Vacancy.objects.filter(source=Vacancy.Source.CENSUS).values_list("shift_type__code", "date", "role"))


def test_a_unit_short_now_gets_exactly_its_missing_places_once(world, client):
    icu = icu_short(world)
    outcome = run(icu, at(12))
    assert len(outcome.opened) == 2
    assert census_vacancies() == [("D", day(), "RN")] * 2
    v = Vacancy.objects.get(pk=outcome.opened[0])
    assert v.open_shift.status == OpenShift.Status.OPEN and v.policy == "waves" and v.is_open
    # Checked again (the beat, or a census event): nothing more opens.
    assert run(icu, at(12, 10)).opened == []
    assert run(icu, at(12, 20)).opened == []
    assert len(census_vacancies()) == 2
    # The coordinator sees them like any other vacancy, labelled by their source.
    client.force_login(world.coordinator)
    page = client.get(reverse("backfill-list")).content.decode()
    assert page.count("Census asks for more staff") >= 2
    detail = client.get(reverse("backfill-detail", args=[v.pk])).content.decode()
    assert "Census asks for more staff" in detail


def test_places_already_offered_or_filled_by_the_agency_are_counted(world):
    icu = icu_short(world, patients=8)  # four RNs asked for, one on shift: three short
    roster = Roster.objects.get(unit=icu)
    OpenShift.objects.create(roster=roster, date=day(), shift_type=world.day, role="RN")
    OpenShift.objects.create(roster=roster, date=day(), shift_type=world.day, role="")  # any role
    OpenShift.objects.create(roster=roster, date=day(), shift_type=world.night, role="RN")  # another shift
    outcome = run(icu, at(12))
    assert len(outcome.opened) == 1
    # The census rises by four: two more RNs asked for, two more places.
    census(icu, "admit", at(12, 1), 4)
    assert len(run(icu, at(12, 40)).opened) == 2
    assert len(census_vacancies()) == 3


def test_the_shortfall_must_hold_for_half_an_hour(world):
    icu = icu_short(world, patients=2)  # one RN asked for, one on shift: not short
    census(icu, "admit", at(11, 50), 2)  # now two RNs asked for
    assert run(icu, at(12)).opened == []
    assert run(icu, at(12, 15)).opened == []  # 11:45 was not short yet
    assert len(run(icu, at(12, 25)).opened) == 1
    assert len(census_vacancies()) == 1


def test_a_census_flickering_by_a_patient_opens_only_the_place_held(world):
    icu = icu_short(world, patients=4)  # two asked for, one short
    census(icu, "admit", at(11, 35))  # five: three asked for
    census(icu, "discharge", at(11, 45))  # four again
    census(icu, "admit", at(11, 55))  # five
    assert len(run(icu, at(12)).opened) == 1  # the one place short at every check


def test_nothing_in_the_shifts_first_half_hour(world):
    icu = icu_short(world)
    outcome = run(icu, at(7, 20))
    assert outcome.opened == [] and "waiting" in outcome.note
    assert census_vacancies() == []


def test_nothing_for_a_shift_that_has_ended_or_a_day_that_has_passed(world):
    icu = icu_short(world)
    # 03:00: the night shift running began yesterday; its day has passed.
    outcome = run(icu, at(3))
    assert outcome.opened == [] and "passed" in outcome.note
    # With only the day shift, at 20:00 no shift runs: the day shift's shortfall is over.
    ShiftType.objects.filter(pk=world.night.pk).delete()
    outcome = run(icu, at(20))
    assert outcome.opened == [] and outcome.note == "No shift runs now."
    assert census_vacancies() == []


def test_no_roster_in_force_opens_nothing_and_says_so(world):
    icu = icu_short(world, roster=False)
    outcome = run(icu, at(12))
    assert outcome.opened == [] and "No roster in force" in outcome.note
    assert census_vacancies() == [] and not OpenShift.objects.exists()


def test_the_beat_checks_every_unit_without_failing(world):
    from allocation.tasks import backfill_census

    icu_short(world)
    assert backfill_census.apply().get() >= 0


def test_a_place_on_a_shift_under_way_can_be_filled_until_the_shift_ends(world):
    from allocation.backfill.offers import vacancy_open

    started = timezone.localtime(timezone.now() - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    running = ShiftType.objects.create(site=world.north, code="R", name="Running", start_time=started.time(),
                                       duration_minutes=720)
    f.RosterFactory(unit=world.icu, start_date=started.date() - dt.timedelta(days=1),
                    end_date=started.date() + dt.timedelta(days=5), status=Roster.Status.PUBLISHED)
    v = vacancy_open(actor=world.coordinator, unit=world.icu, shift_type=running, day=started.date(), role="RN")
    now = timezone.now()
    # Not a deadline a minute away (which would escalate at once): the unit's fill time,
    # never past the shift's end.
    assert v.deadline > now + dt.timedelta(minutes=30)
    assert v.deadline <= started + dt.timedelta(hours=12)
