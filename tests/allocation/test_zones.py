"""Utilization zones at their boundaries (no database)."""

from __future__ import annotations

import pytest

from allocation.zones import BANDS, BY_ZONE, Zone, utilization_of, zone_for, zone_of


@pytest.mark.parametrize(("utilization", "zone"), [
    (0, Zone.UNDER), (49.99, Zone.UNDER),
    (50, Zone.OPTIMAL), (79.99, Zone.OPTIMAL),
    (80, Zone.HIGH), (89.99, Zone.HIGH),
    (90, Zone.STRESSED), (95, Zone.STRESSED),
    (95.01, Zone.SATURATED), (140, Zone.SATURATED),
])
def test_each_zone_starts_at_its_lower_bound_and_only_above_95_is_saturated(utilization, zone):
    assert zone_of(utilization) == zone


def test_every_zone_has_a_label_and_an_action_and_the_bands_ascend():
    assert [b.zone for b in BANDS] == list(Zone)
    assert [b.lower for b in BANDS] == sorted(b.lower for b in BANDS)
    assert all(b.label and b.action for b in BANDS)
    assert BY_ZONE[Zone.SATURATED].action.startswith("Escalate")


def test_utilization_is_census_over_staffed_beds_in_per_cent():
    assert utilization_of(9, 10) == 90.0
    assert zone_for(9, 10) == Zone.STRESSED
    assert zone_for(19, 20) == Zone.STRESSED  # exactly 95
    assert zone_for(20, 20) == Zone.SATURATED


def test_patients_with_no_staffed_bed_are_saturated_and_a_closed_empty_unit_has_no_zone():
    assert utilization_of(3, 0) is None
    assert zone_for(3, 0) == Zone.SATURATED
    assert zone_for(0, 0) is None
