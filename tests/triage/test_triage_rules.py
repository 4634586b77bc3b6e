"""START, JumpSTART and SALT, branch by branch, against the published decision tables."""

from __future__ import annotations

import pytest

from triage.triage_rules import (
    AVPU,
    Colour,
    Findings,
    Priority,
    expectant_allowed,
    jumpstart,
    priority_of,
    salt,
    salt_global_sort,
    start,
)

BREATHING_ADULT = Findings(respiratory_rate=20, capillary_refill_s=1.5)
BREATHING_CHILD = Findings(respiratory_rate=30)


# START ------------------------------------------------------------------------------


def test_start_tags_a_walking_adult_green_and_minor() -> None:
    result = start(Findings(walks=True))
    assert (result.colour, result.priority) == (Colour.GREEN, Priority.P4)


def test_start_tags_an_adult_not_breathing_after_airway_repositioning_black() -> None:
    result = start(Findings(breathing=False, breathes_after_airway=False), expectant=True)
    assert (result.colour, result.priority) == (Colour.BLACK, Priority.P5)


def test_start_gives_the_black_tag_immediate_priority_outside_crisis_standards() -> None:
    result = start(Findings(breathing=False, breathes_after_airway=False), expectant=False)
    assert (result.colour, result.priority) == (Colour.BLACK, Priority.P1)


def test_start_tags_an_adult_who_breathes_after_airway_repositioning_red() -> None:
    result = start(Findings(breathing=False, breathes_after_airway=True))
    assert (result.colour, result.priority) == (Colour.RED, Priority.P1)


def test_start_tags_a_respiratory_rate_over_30_red() -> None:
    assert start(Findings(respiratory_rate=31)).colour is Colour.RED


def test_start_keeps_a_respiratory_rate_of_exactly_30_out_of_red() -> None:
    assert start(Findings(respiratory_rate=30)).colour is Colour.YELLOW


def test_start_tags_a_missing_radial_pulse_red() -> None:
    assert start(Findings(respiratory_rate=20, radial_pulse=False)).colour is Colour.RED


def test_start_tags_a_capillary_refill_over_two_seconds_red() -> None:
    assert start(Findings(respiratory_rate=20, capillary_refill_s=2.5)).colour is Colour.RED


def test_start_tags_an_adult_who_cannot_follow_commands_red() -> None:
    result = start(Findings(respiratory_rate=20, follows_commands=False))
    assert result.colour is Colour.RED


def test_start_tags_everyone_else_yellow_and_delayed() -> None:
    result = start(BREATHING_ADULT)
    assert (result.colour, result.priority) == (Colour.YELLOW, Priority.P3)


def test_start_asks_for_the_respiratory_rate_of_a_breathing_adult() -> None:
    with pytest.raises(ValueError, match="respiratory_rate"):
        start(Findings())


# JumpSTART --------------------------------------------------------------------------


def test_jumpstart_tags_a_walking_child_green() -> None:
    assert jumpstart(Findings(walks=True)).colour is Colour.GREEN


def test_jumpstart_tags_a_child_who_breathes_after_airway_positioning_red() -> None:
    assert jumpstart(Findings(breathing=False, breathes_after_airway=True)).colour is Colour.RED


def test_jumpstart_tags_an_apnoeic_child_without_a_pulse_black() -> None:
    result = jumpstart(Findings(breathing=False, radial_pulse=False), expectant=True)
    assert (result.colour, result.priority) == (Colour.BLACK, Priority.P5)


def test_jumpstart_tags_a_child_who_breathes_after_five_rescue_breaths_red() -> None:
    findings = Findings(breathing=False, radial_pulse=True, breathes_after_rescue_breaths=True)
    assert jumpstart(findings).colour is Colour.RED


def test_jumpstart_tags_a_child_still_apnoeic_after_rescue_breaths_black() -> None:
    findings = Findings(breathing=False, radial_pulse=True, breathes_after_rescue_breaths=False)
    result = jumpstart(findings, expectant=False)
    assert (result.colour, result.priority) == (Colour.BLACK, Priority.P1)


@pytest.mark.parametrize("rate", [14, 46])
def test_jumpstart_tags_a_rate_under_15_or_over_45_red(rate: int) -> None:
    assert jumpstart(Findings(respiratory_rate=rate)).colour is Colour.RED


@pytest.mark.parametrize("rate", [15, 45])
def test_jumpstart_keeps_rates_of_15_and_45_out_of_red(rate: int) -> None:
    assert jumpstart(Findings(respiratory_rate=rate)).colour is Colour.YELLOW


def test_jumpstart_tags_a_child_without_a_peripheral_pulse_red() -> None:
    assert jumpstart(Findings(respiratory_rate=30, radial_pulse=False)).colour is Colour.RED


@pytest.mark.parametrize("avpu", [AVPU.PAIN_INAPPROPRIATE, AVPU.UNRESPONSIVE])
def test_jumpstart_tags_inappropriate_pain_response_or_unresponsive_red(avpu: AVPU) -> None:
    assert jumpstart(Findings(respiratory_rate=30, avpu=avpu)).colour is Colour.RED


@pytest.mark.parametrize("avpu", [AVPU.ALERT, AVPU.VOICE, AVPU.PAIN_APPROPRIATE])
def test_jumpstart_tags_alert_voice_or_appropriate_pain_response_yellow(avpu: AVPU) -> None:
    result = jumpstart(Findings(respiratory_rate=30, avpu=avpu))
    assert (result.colour, result.priority) == (Colour.YELLOW, Priority.P3)


def test_jumpstart_tags_a_stable_infant_without_significant_injury_green() -> None:
    findings = Findings(respiratory_rate=30, developmentally_unable_to_walk=True)
    assert jumpstart(findings).colour is Colour.GREEN


def test_jumpstart_tags_a_stable_infant_with_significant_injury_yellow() -> None:
    findings = Findings(
        respiratory_rate=30, developmentally_unable_to_walk=True, significant_external_injury=True
    )
    assert jumpstart(findings).colour is Colour.YELLOW


def test_jumpstart_asks_for_the_respiratory_rate_of_a_breathing_child() -> None:
    with pytest.raises(ValueError, match="respiratory_rate"):
        jumpstart(Findings())


# SALT -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("findings", "order"),
    [
        (Findings(walks=True), 3),
        (Findings(purposeful_movement=True), 2),
        (Findings(purposeful_movement=False), 1),
        (Findings(walks=True, major_haemorrhage_controlled=False), 1),
    ],
)
def test_salt_global_sort_assesses_the_still_first_and_walkers_last(
    findings: Findings, order: int
) -> None:
    assert salt_global_sort(findings) == order


def test_salt_tags_someone_not_breathing_after_lifesaving_interventions_dead() -> None:
    result = salt(Findings(breathing=False), expectant=True)
    assert (result.colour, result.priority) == (Colour.BLACK, Priority.P5)


def test_salt_assesses_on_someone_who_breathes_once_the_airway_is_opened() -> None:
    result = salt(Findings(breathing=False, breathes_after_airway=True, minor_injuries_only=True))
    assert result.colour is Colour.GREEN


def test_salt_assesses_on_a_child_who_breathes_after_two_rescue_breaths() -> None:
    result = salt(Findings(breathing=False, breathes_after_rescue_breaths=True))
    assert result.colour is Colour.YELLOW


@pytest.mark.parametrize(
    "findings",
    [
        Findings(follows_commands=False, purposeful_movement=False),
        Findings(radial_pulse=False),
        Findings(respiratory_distress=True),
        Findings(major_haemorrhage_controlled=False),
    ],
    ids=["no-commands-no-movement", "no-pulse", "distress", "haemorrhage"],
)
def test_salt_tags_a_life_threat_likely_to_survive_red(findings: Findings) -> None:
    result = salt(findings)
    assert (result.colour, result.priority) == (Colour.RED, Priority.P1)


def test_salt_tags_a_life_threat_unlikely_to_survive_grey_and_expectant_in_a_crisis() -> None:
    result = salt(Findings(radial_pulse=False, likely_to_survive=False), expectant=True)
    assert (result.colour, result.priority) == (Colour.GREY, Priority.P5)


def test_salt_treats_the_expectant_first_when_crisis_standards_do_not_apply() -> None:
    result = salt(Findings(radial_pulse=False, likely_to_survive=False), expectant=False)
    assert (result.colour, result.priority) == (Colour.GREY, Priority.P1)


def test_salt_counts_purposeful_movement_as_obeying() -> None:
    result = salt(Findings(follows_commands=False, purposeful_movement=True))
    assert result.colour is Colour.YELLOW


def test_salt_tags_minor_injuries_only_green_and_minimal() -> None:
    result = salt(Findings(minor_injuries_only=True))
    assert (result.colour, result.priority) == (Colour.GREEN, Priority.P4)


def test_salt_tags_a_stable_person_with_more_than_minor_injuries_yellow() -> None:
    result = salt(Findings())
    assert (result.colour, result.priority) == (Colour.YELLOW, Priority.P3)


# priorities -------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "allowed"), [(1, False), (3, False), (4, True), (5, True)])
def test_expectant_is_allowed_from_crisis_level_four(level: int, allowed: bool) -> None:
    assert expectant_allowed(level) is allowed


def test_no_colour_maps_to_urgent() -> None:
    priorities = {priority_of(c, expectant=e) for c in Colour for e in (True, False)}
    assert Priority.P2 not in priorities


def test_every_result_names_its_algorithm_and_reason() -> None:
    for fn, name in ((start, "START"), (jumpstart, "JumpSTART"), (salt, "SALT")):
        result = fn(Findings(walks=True, respiratory_rate=20))
        assert result.algorithm == name
        assert result.reason
