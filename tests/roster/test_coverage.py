"""Coverage requirements derived from ratio rules, skill-mix rules and the census."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from roster.coverage import PRIORITY, derive_coverage, ratio_levels, staff_needed
from roster.errors import NotAllowed
from roster.models import (
    AuditEvent,
    CensusEstimate,
    CoverageRequirement,
    RatioRule,
    SkillMixRule,
    Staff,
)
from tests import factories as f

MON = dt.date(2026, 3, 2)
TUE = MON + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("patients", "ratio", "needed"),
    [(7, 2, 4), (8, 2, 4), (0, 2, 0), (1, 5, 1), (21, 5, 5), (20, 4, 5), (3, Decimal("1.5"), 2), (4, "0.5", 8)],
)
def test_staff_needed_is_the_ceiling_of_patients_over_the_ratio(patients, ratio, needed):
    assert staff_needed(patients, ratio) == needed


def test_day_shifts_prefer_one_more_only_when_beds_allow():
    assert ratio_levels(patients=7, patients_per_staff=2, beds=12, is_night=False) == (4, 5, 7)
    assert ratio_levels(patients=7, patients_per_staff=2, beds=12, is_night=True) == (4, 4, 6)
    # A full unit needs no extra person: 12 beds at 1:2 is 6 at most.
    assert ratio_levels(patients=12, patients_per_staff=2, beds=12, is_night=False) == (6, 6, 8)
    # An over-full unit keeps its minimum.
    assert ratio_levels(patients=14, patients_per_staff=2, beds=12, is_night=False) == (7, 7, 9)
    # No bed count recorded: the extra person is always preferred.
    assert ratio_levels(patients=7, patients_per_staff=2, beds=0, is_night=False) == (4, 5, 7)


@pytest.fixture
def icu_rules(world):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    charge = f.SkillFactory(code="charge-nurse", name="Charge nurse")
    acls = f.CertificationTypeFactory(code="acls", name="ACLS")
    SkillMixRule.objects.create(unit=world.icu, skill=charge, minimum=1)
    SkillMixRule.objects.create(unit=world.icu, certification_type=acls, minimum=1)
    CensusEstimate.objects.create(unit=world.icu, date=MON, shift_type=world.night, patients=7)
    CensusEstimate.objects.create(unit=world.icu, date=MON, shift_type=world.day, patients=7)
    return charge, acls


def test_icu_at_one_to_two_with_seven_patients_needs_four_rns(world, icu_rules):
    derive_coverage(units=[world.icu], start_date=MON, end_date=MON)
    night = CoverageRequirement.objects.get(unit=world.icu, date=MON, shift_type=world.night, role=Staff.Role.RN)
    assert (night.minimum, night.preferred, night.maximum) == (4, 4, 6)
    day = CoverageRequirement.objects.get(unit=world.icu, date=MON, shift_type=world.day, role=Staff.Role.RN)
    assert (day.minimum, day.preferred, day.maximum) == (4, 5, 7)
    assert night.priority == PRIORITY[world.icu.kind]


def test_skill_mix_rules_give_one_charge_nurse_and_one_acls_holder_per_shift(world, icu_rules):
    charge, acls = icu_rules
    derive_coverage(units=[world.icu], start_date=MON, end_date=MON)
    charge_reqs = CoverageRequirement.objects.filter(unit=world.icu, skill=charge)
    assert charge_reqs.count() == 2  # day and night
    night = charge_reqs.get(shift_type=world.night)
    assert (night.role, night.certification_type, night.minimum, night.preferred) == ("", None, 1, 1)
    # A floor, not a cap: as many charge nurses as the shift may hold people.
    assert night.maximum == 6
    acls_req = CoverageRequirement.objects.get(unit=world.icu, certification_type=acls, shift_type=world.night)
    assert (acls_req.skill, acls_req.minimum) == (None, 1)


def test_rederiving_updates_in_place_and_never_duplicates(world, icu_rules):
    first = derive_coverage(units=[world.icu], start_date=MON, end_date=MON)
    assert (first.created, first.updated, first.unchanged) == (6, 0, 0)
    again = derive_coverage(units=[world.icu], start_date=MON, end_date=MON)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert CoverageRequirement.objects.count() == 6

    CensusEstimate.objects.filter(unit=world.icu, shift_type=world.night).update(patients=11)
    changed = derive_coverage(units=[world.icu], start_date=MON, end_date=MON)
    # Only the night RN row moves; the skill-mix rows follow its headcount cap.
    assert (changed.created, changed.updated) == (0, 3)
    assert CoverageRequirement.objects.count() == 6
    night = CoverageRequirement.objects.get(unit=world.icu, shift_type=world.night, role=Staff.Role.RN)
    assert (night.minimum, night.preferred, night.maximum) == (6, 6, 8)


def test_a_new_census_day_adds_only_that_days_rows(world, icu_rules):
    derive_coverage(units=[world.icu], start_date=MON, end_date=TUE)
    CensusEstimate.objects.create(unit=world.icu, date=TUE, shift_type=world.day, patients=3)
    result = derive_coverage(units=[world.icu], start_date=MON, end_date=TUE)
    assert (result.created, result.unchanged) == (3, 6)
    assert CoverageRequirement.objects.filter(date=TUE).count() == 3


def test_a_shift_specific_ratio_replaces_the_general_one_on_that_shift(world, icu_rules):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, shift_type=world.night, patients_per_staff=Decimal("2.5"))
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.HCA, patients_per_staff=8)
    derive_coverage(units=[world.icu], start_date=MON, end_date=MON)
    rn_night = CoverageRequirement.objects.get(shift_type=world.night, role=Staff.Role.RN)
    rn_day = CoverageRequirement.objects.get(shift_type=world.day, role=Staff.Role.RN)
    assert (rn_night.minimum, rn_day.minimum) == (3, 4)
    assert CoverageRequirement.objects.get(shift_type=world.night, role=Staff.Role.HCA).minimum == 1


def test_outside_the_period_or_other_units_nothing_changes(world, icu_rules):
    CensusEstimate.objects.create(unit=world.ward, date=MON, shift_type=world.day, patients=20)
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.RN, patients_per_staff=5)
    derive_coverage(units=[world.icu], start_date=TUE, end_date=TUE)
    assert not CoverageRequirement.objects.exists()
    derive_coverage(units=[world.icu], start_date=MON, end_date=MON)
    assert not CoverageRequirement.objects.filter(unit=world.ward).exists()


def test_a_manager_deriving_is_audited_and_an_outsider_is_refused(world, icu_rules):
    derive_coverage(units=[world.icu], start_date=MON, end_date=MON, actor=world.manager)
    event = AuditEvent.objects.get(action="coverage.derive")
    assert (event.unit, event.actor, event.after["created"]) == (world.icu, world.manager, 6)
    with pytest.raises(NotAllowed):
        derive_coverage(units=[world.ward], start_date=MON, end_date=MON, actor=world.manager)
