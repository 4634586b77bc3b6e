"""The lifecycle of an item of equipment: its states, their groups and the one table of
legal transitions. Plain Python (the model, the check constraint and the write function
all read this table, so there is exactly one place that says what may follow what)."""

from __future__ import annotations

from django.db import models


class State(models.TextChoices):
    # Available
    READY = "ready", "Ready"
    STANDBY = "standby", "Standby"
    RESERVED = "reserved", "Reserved"
    # In use
    DEPLOYED = "deployed", "Deployed"
    IN_TRANSIT = "in_transit", "In transit"
    SETUP_TEARDOWN = "setup_teardown", "Setup/teardown"
    # Unavailable
    MAINTENANCE = "maintenance", "Maintenance"
    REPAIR = "repair", "Repair"
    DECONTAMINATION = "decontamination", "Decontamination"
    INSPECTION = "inspection", "Inspection"
    # Retired
    END_OF_LIFE = "end_of_life", "End of life"
    CONDEMNED = "condemned", "Condemned"
    SURPLUS = "surplus", "Surplus"


class Group(models.TextChoices):
    AVAILABLE = "available", "Available"
    IN_USE = "in_use", "In use"
    UNAVAILABLE = "unavailable", "Unavailable"
    RETIRED = "retired", "Retired"


S = State
GROUPS: dict[str, tuple[str, ...]] = {
    Group.AVAILABLE: (S.READY, S.STANDBY, S.RESERVED),
    Group.IN_USE: (S.DEPLOYED, S.IN_TRANSIT, S.SETUP_TEARDOWN),
    Group.UNAVAILABLE: (S.MAINTENANCE, S.REPAIR, S.DECONTAMINATION, S.INSPECTION),
    Group.RETIRED: (S.END_OF_LIFE, S.CONDEMNED, S.SURPLUS),
}
GROUP_OF: dict[str, str] = {state: group for group, states in GROUPS.items() for state in states}

# States in which the item is with, or promised to, a patient. A retired or unavailable
# item never enters one of these directly (the table below has no such edge, and the
# database refuses one too), and neither does one that is recalled, past its service
# date or exposed to a hazard and not yet decontaminated (the write function refuses).
PATIENT_FACING: tuple[str, ...] = (S.RESERVED, S.DEPLOYED, S.SETUP_TEARDOWN)

# A new item enters service in one of these.
INITIAL: tuple[str, ...] = (S.READY, S.STANDBY, S.INSPECTION)

_UNAVAILABLE = GROUPS[Group.UNAVAILABLE]
_RETIRED = GROUPS[Group.RETIRED]

# The one table of legal transitions: from a state, the states it may move to.
# Every state that is not retired may be sent to inspection (a reading out of range, a
# recall) or repair (a fault) at once; an unavailable item comes back only through
# ready or standby, so it is checked before anyone can reserve or deploy it; retired is
# final (surplus or end of life may still be condemned).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.READY: (S.STANDBY, S.RESERVED, S.DEPLOYED, S.IN_TRANSIT, *_UNAVAILABLE, *_RETIRED),
    S.STANDBY: (S.READY, S.RESERVED, S.DEPLOYED, S.IN_TRANSIT, *_UNAVAILABLE, *_RETIRED),
    S.RESERVED: (S.READY, S.STANDBY, S.DEPLOYED, S.IN_TRANSIT, S.SETUP_TEARDOWN, *_UNAVAILABLE),
    S.DEPLOYED: (S.READY, S.STANDBY, S.IN_TRANSIT, S.SETUP_TEARDOWN, *_UNAVAILABLE),
    S.IN_TRANSIT: (S.READY, S.STANDBY, S.DEPLOYED, S.SETUP_TEARDOWN, *_UNAVAILABLE),
    S.SETUP_TEARDOWN: (S.READY, S.STANDBY, S.DEPLOYED, S.IN_TRANSIT, *_UNAVAILABLE),
    S.MAINTENANCE: (S.READY, S.STANDBY, S.REPAIR, S.INSPECTION, S.DECONTAMINATION, *_RETIRED),
    S.REPAIR: (S.READY, S.STANDBY, S.MAINTENANCE, S.INSPECTION, S.DECONTAMINATION, *_RETIRED),
    S.DECONTAMINATION: (S.READY, S.STANDBY, S.MAINTENANCE, S.REPAIR, S.INSPECTION, *_RETIRED),
    S.INSPECTION: (S.READY, S.STANDBY, S.MAINTENANCE, S.REPAIR, S.DECONTAMINATION, *_RETIRED),
    S.END_OF_LIFE: (S.CONDEMNED,),
    S.CONDEMNED: (),
    S.SURPLUS: (S.END_OF_LIFE, S.CONDEMNED),
}


def is_legal(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, ())


def legal_pairs() -> list[tuple[str, str]]:
    return [(source, target) for source, targets in TRANSITIONS.items() for target in targets]


def group_of(state: str) -> str:
    return GROUP_OF[state]


def label(state: str) -> str:
    return str(State(state).label)
