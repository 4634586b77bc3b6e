"""Mass-casualty triage as plain functions: START, JumpSTART and SALT.

Each function reads a :class:`Findings` record, follows the published algorithm step by
step and returns a :class:`TriageResult`: the colour, the priority P1–P5 and the step that
decided it (shown to the person triaging, kept in the retriage history).

Priorities: P1 immediate, P2 urgent, P3 delayed, P4 minor, P5 expectant.  Red → P1,
yellow → P3, green → P4, grey (expectant) and black (dead / expectant) → P5.  None of the
three algorithms has an "urgent" category; P2 is left to a clinician's manual priority on
the incident board.

P5 is used only while the site's crisis standards allow it (crisis level 4, major
incident, or above: :func:`expectant_allowed`).  Otherwise the colour is still reported,
and the priority is P1: the expectant category exists only because resources are too
scarce to treat everyone (SALT defines it as "unlikely to survive *given current
resources*"), so under conventional standards of care such a patient gets everything,
first.  The same holds for START's and JumpSTART's black tag ("not breathing after the
airway is opened"): outside crisis standards that patient is in respiratory arrest and
gets resuscitation at once; pronouncing death is a clinician's act, not a triage step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum


class Colour(str, Enum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    GREY = "grey"
    BLACK = "black"


class Priority(IntEnum):
    P1 = 1  # immediate
    P2 = 2  # urgent
    P3 = 3  # delayed
    P4 = 4  # minor
    P5 = 5  # expectant


class AVPU(str, Enum):
    """Level of response; JumpSTART splits "pain" by whether the response is appropriate
    (localises or withdraws) or not (posturing, or an unlocalised moan)."""

    ALERT = "A"
    VOICE = "V"
    PAIN_APPROPRIATE = "P"
    PAIN_INAPPROPRIATE = "P-"
    UNRESPONSIVE = "U"


CRISIS_LEVEL_FOR_EXPECTANT = 4


def expectant_allowed(crisis_level: int) -> bool:
    """Crisis standards allow the expectant category from level 4 (major incident) up."""
    return crisis_level >= CRISIS_LEVEL_FOR_EXPECTANT


@dataclass(frozen=True)
class Findings:
    """What the person triaging has seen; each algorithm reads only the findings it asks for.

    ``breathing`` is on first look; ``breathes_after_airway`` after the airway is
    repositioned (or opened, SALT); ``breathes_after_rescue_breaths`` after JumpSTART's five
    rescue breaths (SALT's two for a child).  ``respiratory_rate`` per minute, needed only
    once the patient breathes.  ``radial_pulse`` is a palpable radial pulse for START and a
    palpable peripheral pulse for JumpSTART and SALT.
    """

    walks: bool = False
    breathing: bool = True
    breathes_after_airway: bool = False
    respiratory_rate: int | None = None
    radial_pulse: bool = True
    capillary_refill_s: float | None = None
    follows_commands: bool = True
    # JumpSTART
    breathes_after_rescue_breaths: bool = False
    avpu: AVPU = AVPU.ALERT
    developmentally_unable_to_walk: bool = False
    significant_external_injury: bool = False
    # SALT
    purposeful_movement: bool = True
    major_haemorrhage_controlled: bool = True
    respiratory_distress: bool = False
    minor_injuries_only: bool = False
    likely_to_survive: bool = True


@dataclass(frozen=True)
class TriageResult:
    algorithm: str
    colour: Colour
    priority: Priority
    reason: str


_PRIORITY = {
    Colour.RED: Priority.P1,
    Colour.YELLOW: Priority.P3,
    Colour.GREEN: Priority.P4,
}


def priority_of(colour: Colour, *, expectant: bool) -> Priority:
    """The priority of a colour; grey and black are P5 only when ``expectant`` (crisis
    standards) allows, else P1 (see the module docstring)."""
    if colour in (Colour.GREY, Colour.BLACK):
        return Priority.P5 if expectant else Priority.P1
    return _PRIORITY[colour]


def _result(algorithm: str, colour: Colour, reason: str, expectant: bool) -> TriageResult:
    return TriageResult(algorithm, colour, priority_of(colour, expectant=expectant), reason)


def _rate(findings: Findings, algorithm: str) -> int:
    if findings.respiratory_rate is None:
        raise ValueError(f"respiratory_rate: {algorithm} needs the rate of a breathing patient")
    return findings.respiratory_rate


def start(findings: Findings, *, expectant: bool = False) -> TriageResult:
    """START, Simple Triage And Rapid Treatment, for adults (Benson, Koenig and Schultz,
    "Disaster triage: START, then SAVE", *Prehospital and Disaster Medicine* 11(2), 1996;
    Hoag Memorial Hospital and Newport Beach Fire Department, 1983).

    1. Walks → green (minor).
    2. Not breathing: reposition the airway; still not breathing → black (dead/expectant),
       breathing → red.
    3. Respiratory rate > 30 → red.
    4. No radial pulse, or capillary refill > 2 s → red.
    5. Cannot follow simple commands → red.
    6. Otherwise → yellow (delayed).
    """
    name = "START"
    if findings.walks:
        return _result(name, Colour.GREEN, "walks", expectant)
    if not findings.breathing:
        if findings.breathes_after_airway:
            return _result(name, Colour.RED, "breathes only after airway repositioning", expectant)
        return _result(name, Colour.BLACK, "not breathing after airway repositioning", expectant)
    if _rate(findings, name) > 30:
        return _result(name, Colour.RED, "respiratory rate over 30", expectant)
    if not findings.radial_pulse:
        return _result(name, Colour.RED, "no radial pulse", expectant)
    if findings.capillary_refill_s is not None and findings.capillary_refill_s > 2:
        return _result(name, Colour.RED, "capillary refill over 2 s", expectant)
    if not findings.follows_commands:
        return _result(name, Colour.RED, "cannot follow simple commands", expectant)
    return _result(name, Colour.YELLOW, "breathing, perfusing and following commands", expectant)


def jumpstart(findings: Findings, *, expectant: bool = False) -> TriageResult:
    """JumpSTART for children (about 1 to 8 years) (Romig, "Pediatric triage: a system to
    JumpSTART your triage of young patients at MCIs", *JEMS* 27(7), 2002).

    1. Walks → green.  A child who cannot walk yet (development) is assessed below and is
       green if every step would make them yellow and there is no significant external
       injury.
    2. Not breathing: position the airway; breathing → red.  Still not breathing: no
       palpable peripheral pulse → black; pulse → five rescue breaths; breathing → red,
       still apnoeic → black.
    3. Respiratory rate < 15 or > 45 → red.
    4. No palpable peripheral pulse → red.
    5. AVPU: inappropriate response to pain (posturing) or unresponsive → red.
    6. Otherwise (alert, voice, or appropriate to pain) → yellow.
    """
    name = "JumpSTART"
    if findings.walks:
        return _result(name, Colour.GREEN, "walks", expectant)
    if not findings.breathing:
        if findings.breathes_after_airway:
            return _result(name, Colour.RED, "breathes after airway positioning", expectant)
        if not findings.radial_pulse:
            return _result(name, Colour.BLACK, "apnoeic without a peripheral pulse", expectant)
        if findings.breathes_after_rescue_breaths:
            return _result(name, Colour.RED, "breathes after five rescue breaths", expectant)
        return _result(name, Colour.BLACK, "apnoeic after five rescue breaths", expectant)
    rate = _rate(findings, name)
    if rate < 15 or rate > 45:
        return _result(name, Colour.RED, "respiratory rate under 15 or over 45", expectant)
    if not findings.radial_pulse:
        return _result(name, Colour.RED, "no palpable peripheral pulse", expectant)
    if findings.avpu in (AVPU.PAIN_INAPPROPRIATE, AVPU.UNRESPONSIVE):
        return _result(
            name, Colour.RED, "inappropriate response to pain or unresponsive", expectant
        )
    if findings.developmentally_unable_to_walk and not findings.significant_external_injury:
        return _result(
            name,
            Colour.GREEN,
            "cannot walk yet, stable and no significant external injury",
            expectant,
        )
    return _result(name, Colour.YELLOW, "breathing, perfusing and responsive", expectant)


def salt_global_sort(findings: Findings) -> int:
    """SALT step 1, the global sort: the order in which to assess people individually —
    1 still or with an obvious threat to life (here: major haemorrhage not controlled),
    2 waving (purposeful movement), 3 walking."""
    if not findings.major_haemorrhage_controlled:
        return 1
    if findings.walks:
        return 3
    if findings.purposeful_movement:
        return 2
    return 1


def salt(findings: Findings, *, expectant: bool = False) -> TriageResult:
    """SALT, Sort – Assess – Lifesaving interventions – Treatment/transport (SALT mass
    casualty triage, *Disaster Medicine and Public Health Preparedness* 2(4):245–246, 2008;
    Lerner et al.), the individual assessment after the global sort and the lifesaving
    interventions (control major haemorrhage, open the airway — two rescue breaths for a
    child —, chest decompression, auto-injector antidotes):

    1. Not breathing (after the interventions) → black (dead).
    2. Does not obey commands or make purposeful movements, or has no peripheral pulse,
       or is in respiratory distress, or major haemorrhage is not controlled →
       red (immediate) if likely to survive given current resources, else grey
       (expectant).
    3. Otherwise: minor injuries only → green (minimal), else yellow (delayed).
    """
    name = "SALT"
    if not (
        findings.breathing
        or findings.breathes_after_airway
        or findings.breathes_after_rescue_breaths
    ):
        return _result(
            name, Colour.BLACK, "not breathing after lifesaving interventions", expectant
        )
    obeys = findings.follows_commands or findings.purposeful_movement
    unstable = (
        not obeys
        or not findings.radial_pulse
        or findings.respiratory_distress
        or not findings.major_haemorrhage_controlled
    )
    if unstable:
        if findings.likely_to_survive:
            return _result(name, Colour.RED, "life threat, likely to survive", expectant)
        return _result(
            name, Colour.GREY, "life threat, unlikely to survive given current resources", expectant
        )
    if findings.minor_injuries_only:
        return _result(name, Colour.GREEN, "minor injuries only", expectant)
    return _result(name, Colour.YELLOW, "stable, more than minor injuries", expectant)
