"""The triage questions in the order each algorithm asks them, one at a time, so a phone
shows a single question with large answer buttons and the result as soon as the
algorithm has decided (``triage.triage_rules`` gives the result; this module only says
what to ask next).

A respiratory rate is answered by band (the algorithms only compare it with their
thresholds); the band's representative rate is what is recorded: START 20 (≤ 30) or
34 (> 30); JumpSTART 10 (< 15), 30 (15–45) or 50 (> 45). Capillary refill: 1 s (≤ 2 s)
or 3 s (> 2 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .incident import BOOL_ANSWERS


@dataclass(frozen=True)
class Option:
    label: str
    value: str
    tone: str = ""  # "danger" for the answer that makes a patient immediate


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    options: tuple[Option, ...]


YES, NO = "true", "false"


def _yes_no(key: str, text: str, *, danger: str = "") -> Question:
    return Question(key, text, (
        Option("Yes", YES, "danger" if danger == YES else ""),
        Option("No", NO, "danger" if danger == NO else ""),
    ))


Q = {
    "walks": _yes_no("walks", "Can they walk?"),
    "breathing": _yes_no("breathing", "Are they breathing?", danger=NO),
    "breathes_after_airway": _yes_no("breathes_after_airway", "Open the airway. Breathing now?"),
    "start_rate": Question("respiratory_rate", "Breaths per minute?", (
        Option("30 or fewer", "20"), Option("More than 30", "34", "danger"))),
    "child_rate": Question("respiratory_rate", "Breaths per minute?", (
        Option("Fewer than 15", "10", "danger"), Option("15 to 45", "30"), Option("More than 45", "50", "danger"))),
    "radial_pulse": _yes_no("radial_pulse", "Radial pulse present?", danger=NO),
    "peripheral_pulse": _yes_no("radial_pulse", "Peripheral pulse present?", danger=NO),
    "capillary_refill_s": Question("capillary_refill_s", "Capillary refill?", (
        Option("2 seconds or less", "1"), Option("More than 2 seconds", "3", "danger"))),
    "follows_commands": _yes_no("follows_commands", "Follows simple commands?", danger=NO),
    "rescue_breaths": _yes_no("breathes_after_rescue_breaths", "Give five rescue breaths. Breathing now?"),
    "avpu": Question("avpu", "Response (AVPU)?", (
        Option("Alert", "A"), Option("Responds to voice", "V"), Option("Pain: localises or withdraws", "P"),
        Option("Pain: posturing or moans", "P-", "danger"), Option("Unresponsive", "U", "danger"))),
    "developmentally_unable_to_walk": _yes_no("developmentally_unable_to_walk", "Too young to walk?"),
    "significant_external_injury": _yes_no("significant_external_injury", "Significant external injury?"),
    "salt_breathing": _yes_no("breathing", "Breathing (after lifesaving interventions)?", danger=NO),
    "salt_airway": _yes_no("breathes_after_airway", "Open the airway (two rescue breaths for a child). Breathing now?"),
    "salt_commands": _yes_no("follows_commands", "Obeys commands?", danger=NO),
    "purposeful_movement": _yes_no("purposeful_movement", "Makes purposeful movements?", danger=NO),
    "respiratory_distress": _yes_no("respiratory_distress", "In respiratory distress?", danger=YES),
    "haemorrhage": _yes_no("major_haemorrhage_controlled", "Major haemorrhage controlled?", danger=NO),
    "likely_to_survive": _yes_no("likely_to_survive", "Likely to survive given current resources?"),
    "minor_injuries_only": _yes_no("minor_injuries_only", "Minor injuries only?"),
}


def parse(raw: Mapping[str, str]) -> dict[str, Any]:
    """Answers as the form posts them (``"true"``, ``"34"``, ``"P-"``) → typed answers.
    Values that do not parse are passed on as given, for ``findings_from`` to refuse by
    name."""
    out: dict[str, Any] = {}
    for key, text in raw.items():
        if key in BOOL_ANSWERS:
            out[key] = {YES: True, NO: False}.get(text, text)
        elif key == "respiratory_rate":
            out[key] = int(text) if text.isdigit() else text
        elif key == "capillary_refill_s":
            try:
                out[key] = float(text)
            except ValueError:
                out[key] = text
        else:
            out[key] = text
    return out


def _start(a: Mapping[str, Any]) -> Question | None:
    if "walks" not in a:
        return Q["walks"]
    if a["walks"]:
        return None
    if "breathing" not in a:
        return Q["breathing"]
    if not a["breathing"]:
        return Q["breathes_after_airway"] if "breathes_after_airway" not in a else None
    if "respiratory_rate" not in a:
        return Q["start_rate"]
    if a["respiratory_rate"] > 30:
        return None
    if "radial_pulse" not in a:
        return Q["radial_pulse"]
    if not a["radial_pulse"]:
        return None
    if "capillary_refill_s" not in a:
        return Q["capillary_refill_s"]
    if a["capillary_refill_s"] > 2:
        return None
    return Q["follows_commands"] if "follows_commands" not in a else None


def _jumpstart(a: Mapping[str, Any]) -> Question | None:
    if "walks" not in a:
        return Q["walks"]
    if a["walks"]:
        return None
    if "breathing" not in a:
        return Q["breathing"]
    if not a["breathing"]:
        if "breathes_after_airway" not in a:
            return Q["breathes_after_airway"]
        if a["breathes_after_airway"]:
            return None
        if "radial_pulse" not in a:
            return Q["peripheral_pulse"]
        if not a["radial_pulse"]:
            return None
        return Q["rescue_breaths"] if "breathes_after_rescue_breaths" not in a else None
    if "respiratory_rate" not in a:
        return Q["child_rate"]
    if not 15 <= a["respiratory_rate"] <= 45:
        return None
    if "radial_pulse" not in a:
        return Q["peripheral_pulse"]
    if not a["radial_pulse"]:
        return None
    if "avpu" not in a:
        return Q["avpu"]
    if a["avpu"] in ("P-", "U"):
        return None
    if "developmentally_unable_to_walk" not in a:
        return Q["developmentally_unable_to_walk"]
    if a["developmentally_unable_to_walk"] and "significant_external_injury" not in a:
        return Q["significant_external_injury"]
    return None


def _salt(a: Mapping[str, Any]) -> Question | None:
    if "breathing" not in a:
        return Q["salt_breathing"]
    if not a["breathing"]:
        if "breathes_after_airway" not in a:
            return Q["salt_airway"]
        if not a["breathes_after_airway"]:
            return None
    if "follows_commands" not in a:
        return Q["salt_commands"]
    if not a["follows_commands"] and "purposeful_movement" not in a:
        return Q["purposeful_movement"]
    obeys = a["follows_commands"] or a.get("purposeful_movement", True)
    unstable = not obeys
    if not unstable:
        for key, name, bad in (("radial_pulse", "peripheral_pulse", False),
                               ("respiratory_distress", "respiratory_distress", True),
                               ("major_haemorrhage_controlled", "haemorrhage", False)):
            if key not in a:
                return Q[name]
            if a[key] == bad:
                unstable = True
                break
    if unstable:
        return Q["likely_to_survive"] if "likely_to_survive" not in a else None
    return Q["minor_injuries_only"] if "minor_injuries_only" not in a else None


def next_question(algorithm: str, child: bool, answers: Mapping[str, Any]) -> Question | None:
    """The next question to ask, or None once the algorithm has its answer. Answers must
    be typed (``parse``) and valid (``findings_from``)."""
    if algorithm == "salt":
        return _salt(answers)
    return _jumpstart(answers) if child else _start(answers)
