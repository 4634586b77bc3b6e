"""The surge simulator: a replayed surge arrives as census events, as a real sender's,
and moves the unit's zone on the status its board reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from allocation.demo import SURGE_SENDER
from allocation.models import CensusEvent
from allocation.staffing import unit_statuses
from allocation.surge_replay import find_unit, replay_surge
from roster.errors import DomainError
from roster.models import AuditEvent, RatioRule, Staff

from .helpers import admit, shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def staffed_ed(world):
    RatioRule.objects.create(unit=world.ed, role=Staff.Role.RN, patients_per_staff=4)
    now = timezone.now()
    for person in (world.nurse, world.colleague, world.outsider):
        Staff.objects.filter(pk=person.pk).update(role=Staff.Role.RN)
        shift(person, world.ed, now - dt.timedelta(hours=2), hours=12)
    admit(world.ed, 7, now - dt.timedelta(hours=1))
    return world.ed


def test_a_replayed_surge_moves_the_unit_from_optimal_to_saturated(world, staffed_ed):
    before = unit_statuses([staffed_ed])[0]
    assert (before.census, before.staffed_beds, before.zone) == (7, 12, "optimal")
    ticks = list(replay_surge(staffed_ed, factor=10, hours=2, speed=0, seed=4))
    assert len(ticks) == 12  # ten simulated minutes a tick
    after = unit_statuses([staffed_ed])[0]
    assert after.zone == "saturated" and after.census == ticks[-1].census
    sent = CensusEvent.objects.filter(unit=staffed_ed, sender=SURGE_SENDER)
    assert sent.filter(kind="ed_arrival").count() == sum(t.arrivals for t in ticks) > 20
    assert sent.filter(kind="ed_departure").count() == sum(t.departures for t in ticks)
    # As a real sender's: each event audited.
    assert AuditEvent.objects.filter(action="census.event", unit_id=staffed_ed.pk).count() >= sent.count()


def test_the_command_names_the_unit_and_refuses_what_it_cannot_find(world, staffed_ed, capsys):
    call_command("simulate_surge", "--unit", "South ED", "--hours", "1", "--speed", "0", "--factor", "3")
    out = capsys.readouterr().out
    assert "into South ED" in out and "+01:00" in out
    assert find_unit(str(world.icu.pk)) == world.icu
    assert find_unit("icu", site="north") == world.icu
    with pytest.raises(CommandError, match="unit: No unit matches 'Nowhere'"):
        call_command("simulate_surge", "--unit", "Nowhere", "--speed", "0")
    with pytest.raises(CommandError, match="hours"):
        call_command("simulate_surge", "--unit", "South ED", "--hours", "0", "--speed", "0")
    with pytest.raises(DomainError) as error:
        find_unit("North")  # the ICU and the ward
    assert error.value.field == "unit" and "name the site" in error.value.message
