"""The rulebook: every hard rule of Headroom, stated once.

Plain Python (no Django), so the manual-edit checks (:mod:`roster.rules`), eligibility
for open shifts, swaps and backfill, the roster solver's adapter, its shortfall
explanations and the independent verifier all speak one vocabulary: a rule's code, the
label a manager reads, the clinical reason it exists and its default limit.

It answers two questions every module asks:

* :func:`limits_for` — the limits for a person working a given shift in a given unit,
  from the stored fatigue rules (their home unit's and the working unit's) and their
  contract.
* :func:`may_work_in` — whether a person may work in a unit at all.

Which unit's rules govern a float nurse
---------------------------------------
* **Per-shift limits** (the maximum length of one shift) are those of the unit where the
  shift is worked: a unit that caps shifts at 8 h does so for everyone on its floor,
  whoever employs them.
* **Limits between and across shifts** (minimum rest, hours in any 7 days, consecutive
  days and nights) are those of the person's home unit. They measure one person's
  accumulated fatigue over shifts that may lie in several units, so they must be one set
  of numbers per person: otherwise the verdict on a week would depend on which of its
  shifts was rostered last, and a float nurse could be refused a shift by one path and
  planned into it by another. The home unit's manager answers for that person's fatigue.
* The contract can only tighten: its maximum run of working days applies when it is
  shorter than the fatigue rule's, and days it excludes cannot be worked.

How time is counted (the same in every path)
--------------------------------------------
* A shift belongs to the day it starts on; a night crossing midnight is one shift.
* Rest and hours use real elapsed time: a 12 h night on the night the clocks go back
  is 13 h worked, and the night they go forward 11 h. The shift-length limit applies to
  the rostered length (a 12 h shift stays a 12 h shift by contract and guidance).
* "Hours in any 7 days" sums the real minutes of the shifts starting on any 7
  consecutive calendar days.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

Kind = Literal["fatigue", "presence", "placement", "contract", "cover", "change"]


@dataclass(frozen=True)
class Rule:
    """One hard rule: ``default`` is its limit when nothing is stored (minutes for
    times, a count otherwise), ``None`` for a rule with no number."""

    code: str
    label: str
    reason: str
    kind: Kind
    default: int | None = None
    waivable: bool = False


# --- codes ---------------------------------------------------------------------------
# Stable strings: stored in Waiver.rule, matched by the pages and the API.
MAX_SHIFT_LENGTH = "max_shift_length"
MIN_REST = "min_rest"
MAX_HOURS_7_DAYS = "max_hours_7_days"
MAX_CONSECUTIVE_DAYS = "max_consecutive_days"
MAX_CONSECUTIVE_NIGHTS = "max_consecutive_nights"
OVERLAP = "overlap"
ONE_SHIFT_A_DAY = "one_shift_a_day"
LEAVE = "leave"
DAY_OFF = "day_off"
UNAVAILABLE_WEEKDAY = "unavailable_weekday"
UNIT_ACCESS = "unit_access"
ROLE = "role"
SKILL = "skill"
CERTIFICATION = "certification"
INACTIVE = "inactive"
FORBIDDEN_SUCCESSION = "forbidden_succession"
MAX_SHIFTS_PER_TYPE = "max_shifts_per_type"
MIN_TOTAL_MINUTES = "min_total_minutes"
MAX_TOTAL_MINUTES = "max_total_minutes"
MIN_CONSECUTIVE_DAYS = "min_consecutive_days"
MIN_CONSECUTIVE_DAYS_OFF = "min_consecutive_days_off"
MAX_WEEKENDS = "max_weekends"
COVERAGE_MINIMUM = "coverage_minimum"
COVERAGE_MAXIMUM = "coverage_maximum"
STARTED = "started"
UNKNOWN = "unknown"

_RULES = (
    Rule(MAX_SHIFT_LENGTH, "Maximum shift length",
         "Error rates and needle-stick injuries rise sharply after 12 hours on duty.",
         "fatigue", 720, waivable=True),
    Rule(MIN_REST, "Minimum rest between shifts",
         "Less than 10 hours between shifts leaves too little sleep; quick returns are a "
         "leading cause of fatigue-related error.", "fatigue", 600, waivable=True),
    Rule(MAX_HOURS_7_DAYS, "Maximum hours in 7 days",
         "More than 60 hours in any 7 days triples the risk of error (field guidance: "
         "hard limit, exceptions only by a manager's recorded waiver).", "fatigue", 3600, waivable=True),
    Rule(MAX_CONSECUTIVE_DAYS, "Maximum consecutive days",
         "Fatigue accumulates over runs of working days without a day off.", "fatigue", 6, waivable=True),
    Rule(MAX_CONSECUTIVE_NIGHTS, "Maximum consecutive nights",
         "Sleep debt builds fastest on runs of nights; alertness falls each night after the third.",
         "fatigue", 4, waivable=True),
    Rule(OVERLAP, "Overlapping shift", "Nobody can be in two places at once.", "presence"),
    Rule(ONE_SHIFT_A_DAY, "One shift a day",
         "A second shift the same day is a double shift, outside every fatigue rule.", "presence"),
    Rule(LEAVE, "On leave",
         "Approved leave is the person's: they withdraw it first, the roster cannot take it back.",
         "presence"),
    Rule(DAY_OFF, "Not available that day",
         "A day the person has been given off or cannot work.", "presence"),
    Rule(UNAVAILABLE_WEEKDAY, "Day excluded by contract",
         "The contract excludes this day of the week.", "contract"),
    Rule(UNIT_ACCESS, "May not work in this unit",
         "Staff work in their home unit; only the float pool works in other units of its site, "
         "where it is oriented.", "placement"),
    Rule(ROLE, "Different role", "The place asks for a role this person does not hold.", "placement"),
    Rule(SKILL, "Skill missing",
         "The place asks for a skill (a charge nurse, an ICU competency) this person lacks.", "placement"),
    Rule(CERTIFICATION, "Certification missing or lapsed",
         "A patient-safety requirement (ACLS, PALS…): it must be valid on the day worked.", "placement"),
    Rule(INACTIVE, "Not active", "The person no longer works here.", "placement"),
    Rule(FORBIDDEN_SUCCESSION, "Shift may not follow the previous one",
         "A local rule forbids this shift the day after that one.", "fatigue"),
    Rule(MAX_SHIFTS_PER_TYPE, "Contract: shifts of a type", "The contract caps shifts of this type.", "contract"),
    Rule(MIN_TOTAL_MINUTES, "Contract: minimum hours", "The contract guarantees these hours.", "contract"),
    Rule(MAX_TOTAL_MINUTES, "Contract: maximum hours", "The contract caps the hours of the period.", "contract"),
    Rule(MIN_CONSECUTIVE_DAYS, "Contract: shortest run of working days",
         "Isolated single days break the rhythm the contract promises.", "contract"),
    Rule(MIN_CONSECUTIVE_DAYS_OFF, "Contract: shortest break",
         "Single days off between shifts do not allow recovery.", "contract"),
    Rule(MAX_WEEKENDS, "Contract: weekends", "The contract caps the weekends worked.", "contract"),
    Rule(COVERAGE_MINIMUM, "Minimum cover",
         "Below the minimum the unit cannot care safely for its patients (ratios, skill mix).", "cover"),
    Rule(COVERAGE_MAXIMUM, "Maximum cover", "More people than the place may hold.", "cover"),
    Rule(STARTED, "Shift already started", "A shift under way cannot change hands.", "change"),
    Rule(UNKNOWN, "Unknown shift or person", "The roster names something that does not exist.", "presence"),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
# What a manager may waive: fatigue limits, weighed by a person who records why. Nobody
# can be in two places at once; leave is the person's; a missing certification or skill
# is a patient-safety rule, not a fatigue tradeoff.
WAIVABLE = frozenset(code for code, rule in RULES.items() if rule.waivable)


# Rules of a whole period's plan (a contract's totals, weekends and shortest runs): the
# solver keeps them when it plans, but one manual change is not refused for them — a
# manager filling a gap by hand may well bring hours into the contract with the next.
PERIOD_RULES = frozenset({MAX_SHIFTS_PER_TYPE, MIN_TOTAL_MINUTES, MAX_TOTAL_MINUTES, MIN_CONSECUTIVE_DAYS,
                          MIN_CONSECUTIVE_DAYS_OFF, MAX_WEEKENDS, COVERAGE_MAXIMUM})


def label(code: str) -> str:
    rule = RULES.get(code)
    return rule.label if rule else code


def is_waivable(code: str) -> bool:
    return code in WAIVABLE


def _default(code: str) -> int:
    value = RULES[code].default
    assert value is not None
    return value


# --- limits --------------------------------------------------------------------------

@dataclass(frozen=True)
class FatigueSettings:
    """Fatigue rules as stored for a site or unit (the defaults are the field's)."""

    max_shift_minutes: int = _default(MAX_SHIFT_LENGTH)
    min_rest_minutes: int = _default(MIN_REST)
    max_minutes_7_days: int = _default(MAX_HOURS_7_DAYS)
    max_consecutive_days: int = _default(MAX_CONSECUTIVE_DAYS)
    max_consecutive_nights: int = _default(MAX_CONSECUTIVE_NIGHTS)


DEFAULTS = FatigueSettings()


@dataclass(frozen=True)
class ContractTerms:
    """What of a contract bears on whether one shift may be worked."""

    max_consecutive_days: int | None = None
    unavailable_weekdays: frozenset[int] = frozenset()  # 0 = Monday … 6 = Sunday


@dataclass(frozen=True)
class Limits:
    """The limits for one person working one shift in one unit."""

    max_shift_minutes: int = DEFAULTS.max_shift_minutes
    min_rest_minutes: int = DEFAULTS.min_rest_minutes
    max_minutes_7_days: int = DEFAULTS.max_minutes_7_days
    max_consecutive_days: int = DEFAULTS.max_consecutive_days
    max_consecutive_nights: int = DEFAULTS.max_consecutive_nights
    unavailable_weekdays: frozenset[int] = frozenset()


def limits_for(
    *, home: FatigueSettings | None, working: FatigueSettings | None, contract: ContractTerms | None = None
) -> Limits:
    """The limits for a person whose home unit's rules are ``home`` working a shift in a
    unit whose rules are ``working`` (each the unit's own, else its site's; ``None`` for
    the defaults), under ``contract``. See the module docstring for why."""
    home = home or DEFAULTS
    working = working or DEFAULTS
    contract = contract or ContractTerms()
    days = home.max_consecutive_days
    if contract.max_consecutive_days is not None:
        days = min(days, contract.max_consecutive_days)
    return Limits(
        max_shift_minutes=working.max_shift_minutes,
        min_rest_minutes=home.min_rest_minutes,
        max_minutes_7_days=home.max_minutes_7_days,
        max_consecutive_days=days,
        max_consecutive_nights=home.max_consecutive_nights,
        unavailable_weekdays=contract.unavailable_weekdays,
    )


# --- who may work where ---------------------------------------------------------------

def may_work_in(
    *, home_unit: object, home_site: object, float_pool: bool, unit: object, unit_site: object,
    cross_trained: Collection[object] = (),
) -> bool:
    """Whether a person may work in ``unit`` at all: their home unit; for the float pool,
    any unit of their home site; for anyone, the units of their home site they are
    cross-trained for (``cross_trained``: trained and oriented there, kept by their
    managers). Cross-training never opens a unit of another site. (Ids or any comparable
    keys.)"""
    return home_unit == unit or (home_site == unit_site and (float_pool or unit in cross_trained))
