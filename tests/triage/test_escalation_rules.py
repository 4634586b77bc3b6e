"""The crisis triggers at their boundaries, their sustained windows, and hysteresis on
the way down (plain functions, no database)."""

from __future__ import annotations

import math

import pytest

from triage.escalation_rules import (
    CATASTROPHIC,
    ELEVATED,
    EXECUTIVE,
    INCIDENT_COMMANDER,
    MAJOR,
    NORMAL,
    OPERATIONS_MANAGER,
    SHIFT_SUPERVISOR,
    SURGE,
    Indicators,
    authority_for,
    may_confirm,
    network_trigger,
    next_position,
    site_trigger,
)


def util(*values: float | None) -> Indicators:
    return Indicators(utilization=tuple(values))


@pytest.mark.parametrize(("hours", "expected"), [
    ((86.0, 86.0), ELEVATED),  # above 85 % in each of the last 2 hours
    ((85.0, 86.0), None),  # 85 % is not above 85 %
    ((70.0, 90.0), None),  # one hour is not sustained
    ((None, 90.0), None),  # an hour with no data does not count as above
    ((90.0, 86.0, 85.5), ELEVATED),
])
def test_normal_to_elevated_needs_two_hours_above_85(hours, expected):
    trigger = site_trigger(NORMAL, util(*hours))
    assert (trigger.to_level if trigger else None) == expected
    if trigger:
        assert trigger.indicator == "utilization_sustained"
        assert trigger.value == min(hours[-2:])


@pytest.mark.parametrize(("excess", "expected"), [
    (0.19, None), (0.20, ELEVATED), (0.49, ELEVATED), (0.50, SURGE), (0.9, SURGE),
])
def test_demand_above_forecast_elevates_from_20_and_surges_from_50_per_cent(excess, expected):
    trigger = site_trigger(NORMAL, Indicators(utilization=(60.0, 60.0), demand_excess=excess))
    assert (trigger.to_level if trigger else None) == expected
    if trigger:
        assert trigger.indicator == "demand_over_forecast"


def test_an_elevated_forecast_elevates():
    trigger = site_trigger(NORMAL, Indicators(utilization=(60.0, 60.0), forecast_peak=88.0))
    assert trigger and trigger.to_level == ELEVATED and trigger.indicator == "forecast_utilization"
    assert site_trigger(NORMAL, Indicators(utilization=(60.0, 60.0), forecast_peak=85.0)) is None


@pytest.mark.parametrize(("now", "expected"), [(95.0, None), (95.1, SURGE), (99.9, SURGE), (100.0, MAJOR),
                                               (math.inf, MAJOR)])
def test_surge_above_95_and_exhaustion_at_100(now, expected):
    trigger = site_trigger(ELEVATED, util(90.0, now))
    assert (trigger.to_level if trigger else None) == expected


def test_the_highest_level_indicated_is_proposed_at_once():
    trigger = site_trigger(NORMAL, util(97.0, 101.0))
    assert trigger and trigger.to_level == MAJOR and trigger.indicator == "resources_exhausted"


def test_a_level_already_in_force_is_not_proposed_again():
    assert site_trigger(SURGE, util(96.0, 96.0, 96.0, 96.0)) is None
    assert site_trigger(MAJOR, util(100.0, 100.0, 100.0, 100.0)) is None


def test_stepping_down_needs_the_indicator_below_threshold_minus_margin_for_four_hours():
    # Elevated holds while utilization stays at or above 80 % (85 − 5) in the window.
    assert site_trigger(ELEVATED, util(79.0, 79.0, 79.0, 80.0)) is None
    assert site_trigger(ELEVATED, util(79.0, 79.0, 79.0)) is None  # window not complete
    down = site_trigger(ELEVATED, util(79.9, 70.0, 60.0, 50.0))
    assert down and down.to_level == NORMAL and down.indicator == "below_threshold_sustained"
    # Surge holds from 90 %; a fall to 89 % for four hours steps down one level only.
    assert site_trigger(SURGE, util(90.0, 85.0, 85.0, 85.0)) is None
    down = site_trigger(SURGE, util(89.0, 85.0, 85.0, 85.0))
    assert down and down.to_level == ELEVATED
    # Major holds from 95 %.
    assert site_trigger(MAJOR, util(94.0, 94.0, 94.0, 95.0)) is None
    assert site_trigger(MAJOR, util(94.0, 94.0, 94.0, 94.0)).to_level == SURGE


def test_hysteresis_does_not_flap_between_85_and_80():
    # Hovering at 82–84 % neither elevates a normal site nor steps an elevated one down.
    hovering = util(84.0, 82.0, 83.0, 84.0)
    assert site_trigger(NORMAL, hovering) is None
    assert site_trigger(ELEVATED, hovering) is None


def test_demand_still_high_keeps_the_level():
    still = Indicators(utilization=(60.0, 60.0, 60.0, 60.0), demand_excess=0.16)
    assert site_trigger(ELEVATED, still) is None  # 16 % ≥ 20 − 5
    gone = Indicators(utilization=(60.0, 60.0, 60.0, 60.0), demand_excess=0.14)
    assert site_trigger(ELEVATED, gone).to_level == NORMAL


def test_the_network_is_catastrophic_when_two_sites_are_exhausted():
    assert network_trigger(NORMAL, [MAJOR, NORMAL], Indicators(exhausted_sites=(1,))).to_level == MAJOR
    trigger = network_trigger(MAJOR, [MAJOR, MAJOR], Indicators(exhausted_sites=(0, 2)))
    assert trigger and trigger.to_level == CATASTROPHIC and trigger.value == 2
    # Down from 5 only once fewer than two sites were exhausted in each of 4 hours.
    assert network_trigger(CATASTROPHIC, [MAJOR], Indicators(exhausted_sites=(2, 1, 1, 1))) is None
    assert network_trigger(CATASTROPHIC, [MAJOR], Indicators(exhausted_sites=(1, 1, 1, 1))).to_level == MAJOR


def test_authority_is_that_of_the_higher_level_and_higher_positions_may_confirm():
    assert authority_for(NORMAL, ELEVATED) == SHIFT_SUPERVISOR
    assert authority_for(ELEVATED, NORMAL) == SHIFT_SUPERVISOR
    assert authority_for(ELEVATED, SURGE) == OPERATIONS_MANAGER
    assert authority_for(NORMAL, MAJOR) == INCIDENT_COMMANDER
    assert authority_for(MAJOR, CATASTROPHIC) == EXECUTIVE
    assert may_confirm([OPERATIONS_MANAGER], SHIFT_SUPERVISOR)
    assert not may_confirm([SHIFT_SUPERVISOR], OPERATIONS_MANAGER)
    assert not may_confirm([], SHIFT_SUPERVISOR)
    assert next_position(SHIFT_SUPERVISOR) == OPERATIONS_MANAGER
    assert next_position(EXECUTIVE) is None
