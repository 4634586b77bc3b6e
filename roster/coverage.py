"""Coverage requirements derived from ratio rules, skill-mix rules and the census.

For each census estimate (unit, day, shift type, expected patients):

* every ratio rule of the unit gives a requirement for its role:
  ``minimum = ceil(patients / patients_per_staff)`` — the hard floor;
  ``preferred = minimum + 1`` on day (non-night) shifts, when beds allow: never more
  than a full unit would need (``ceil(beds / patients_per_staff)``), so a full ward
  gets no extra person and a unit with no bed count recorded always gets the +1.
  Admissions, discharges and ward rounds happen by day; nights get ``preferred =
  minimum``;
  ``maximum = preferred + 2``.
  A rule bound to one shift type replaces the unit's general rule (no shift type) for
  the same role on that shift.
* every skill-mix rule gives a requirement for its skill or certification type with
  ``minimum = preferred = rule.minimum``. Its maximum is the largest role maximum on
  that shift (the headcount cap), or ``minimum + 2`` when the unit has no ratio rule:
  a skill-mix rule is a floor, it never caps how many qualified people may work.

Every requirement carries the unit's priority (``PRIORITY`` by unit kind: intensive
care and the emergency department highest), so shortfall is reported by priority.

Derivation is idempotent: a requirement is matched on its natural key (unit, date,
shift type, role, skill, certification type) and updated in place — the semantics of
``update_or_create``, done in bulk (one read, one insert, one update per call). The
units are locked for the transaction, so two derivations of the same unit queue up
instead of creating duplicates. Requirements whose rule has since been removed are
left alone: the model cannot tell a derived row from one a manager entered.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction

from .access import can_manage_unit
from .audit import audit_record
from .errors import DomainError, NotAllowed
from .models import CensusEstimate, CoverageRequirement, RatioRule, SkillMixRule, Unit

PRIORITY: dict[str, int] = {
    Unit.Kind.ICU: 5,
    Unit.Kind.ED: 5,
    Unit.Kind.MATERNITY: 4,
    Unit.Kind.PAEDIATRICS: 4,
    Unit.Kind.STEPDOWN: 3,
    Unit.Kind.THEATRES: 3,
    Unit.Kind.MEDSURG: 2,
    Unit.Kind.OTHER: 1,
}
DAY_SHIFT_EXTRA = 1
MAXIMUM_ABOVE_PREFERRED = 2

# (unit, date, shift type, role, skill, certification type)
Key = tuple[int, dt.date, int, str, int | None, int | None]


class Levels(NamedTuple):
    minimum: int
    preferred: int
    maximum: int


@dataclass
class DeriveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def staff_needed(patients: int, patients_per_staff: Decimal | float | int) -> int:
    """``ceil(patients / ratio)``, exact for decimal ratios (7 patients at 1:2 → 4)."""
    ratio = Decimal(str(patients_per_staff))
    if ratio <= 0:
        raise DomainError("A ratio must be positive.", field="patients_per_staff")
    return math.ceil(Decimal(patients) / ratio)


def ratio_rules_in_force(rules: Iterable[RatioRule], shift_type_ids: set[int]) -> dict[str, RatioRule]:
    """Per role, the ratio rule that applies while these shift types run: a rule for one
    of them wins over the unit's general rule (one with no shift type)."""
    chosen: dict[str, RatioRule] = {}
    for rule in sorted(rules, key=lambda r: r.shift_type_id is not None):
        if rule.shift_type_id is None or rule.shift_type_id in shift_type_ids:
            chosen[rule.role] = rule
    return chosen


def ratio_levels(*, patients: int, patients_per_staff: Decimal | float | int, beds: int, is_night: bool) -> Levels:
    minimum = staff_needed(patients, patients_per_staff)
    preferred = minimum
    if not is_night:
        full_unit = staff_needed(beds, patients_per_staff) if beds else minimum + DAY_SHIFT_EXTRA
        preferred = max(minimum, min(minimum + DAY_SHIFT_EXTRA, full_unit))
    return Levels(minimum, preferred, preferred + MAXIMUM_ABOVE_PREFERRED)


def _desired(units: list[Unit], start_date: dt.date, end_date: dt.date) -> dict[Key, tuple[Levels, int]]:
    """Every requirement the rules call for in the period, by natural key."""
    unit_by_pk = {u.pk: u for u in units}
    ratios: dict[int, list[RatioRule]] = defaultdict(list)
    for rule in RatioRule.objects.filter(unit__in=units):
        ratios[rule.unit_id].append(rule)
    mixes: dict[int, list[SkillMixRule]] = defaultdict(list)
    for mix in SkillMixRule.objects.filter(unit__in=units):
        mixes[mix.unit_id].append(mix)

    wanted: dict[Key, tuple[Levels, int]] = {}
    census = CensusEstimate.objects.filter(unit__in=units, date__range=(start_date, end_date)).select_related(
        "shift_type"
    )
    for est in census:
        unit = unit_by_pk[est.unit_id]
        priority = PRIORITY.get(unit.kind, 1)
        chosen = ratio_rules_in_force(ratios[unit.pk], {est.shift_type_id})
        cap = 0
        for role, rule in chosen.items():
            levels = ratio_levels(
                patients=est.patients,
                patients_per_staff=rule.patients_per_staff,
                beds=unit.beds,
                is_night=est.shift_type.is_night,
            )
            cap = max(cap, levels.maximum)
            wanted[(unit.pk, est.date, est.shift_type_id, role, None, None)] = (levels, priority)
        for mix in mixes[unit.pk]:
            maximum = max(mix.minimum, cap) if cap else mix.minimum + MAXIMUM_ABOVE_PREFERRED
            key: Key = (unit.pk, est.date, est.shift_type_id, "", mix.skill_id, mix.certification_type_id)
            wanted[key] = (Levels(mix.minimum, mix.minimum, maximum), priority)
    return wanted


@transaction.atomic
def derive_coverage(
    *, units: Iterable[Unit], start_date: dt.date, end_date: dt.date, actor: Any = None
) -> DeriveResult:
    """Create or update the coverage requirements of ``units`` for the period.

    With an ``actor`` (a person asking for it), the actor must manage every unit and one
    AuditEvent per unit records the counts; without one (a loader or a scheduled task)
    nothing is checked or logged here — the caller logs its own run.
    """
    if end_date < start_date:
        raise DomainError("The period must end on or after its start.", field="end_date")
    unit_list = list(units)
    if actor is not None:
        for unit in unit_list:
            if not can_manage_unit(actor, unit.pk):
                raise NotAllowed(f"You may not change the coverage of {unit.name}.", field="unit")
    # Serialise derivations of the same units (no unique constraint on the natural key).
    unit_list = list(Unit.objects.select_for_update().filter(pk__in=[u.pk for u in unit_list]).order_by("pk"))
    wanted = _desired(unit_list, start_date, end_date)

    existing: dict[Key, CoverageRequirement] = {}
    for row in CoverageRequirement.objects.filter(
        unit__in=unit_list, date__range=(start_date, end_date)
    ).order_by("pk"):
        key: Key = (row.unit_id, row.date, row.shift_type_id, row.role, row.skill_id, row.certification_type_id)
        existing.setdefault(key, row)  # stray duplicates from elsewhere: the oldest is kept current

    result = DeriveResult()
    per_unit: dict[int, DeriveResult] = defaultdict(DeriveResult)
    to_create: list[CoverageRequirement] = []
    to_update: list[CoverageRequirement] = []
    for key, (levels, priority) in wanted.items():
        unit_pk, day, shift_type_pk, role, skill_pk, cert_pk = key
        req = existing.get(key)
        if req is None:
            to_create.append(
                CoverageRequirement(
                    unit_id=unit_pk, date=day, shift_type_id=shift_type_pk, role=role, skill_id=skill_pk,
                    certification_type_id=cert_pk, minimum=levels.minimum, preferred=levels.preferred,
                    maximum=levels.maximum, priority=priority,
                )
            )
            per_unit[unit_pk].created += 1
        elif (req.minimum, req.preferred, req.maximum, req.priority) != (
            levels.minimum, levels.preferred, levels.maximum, priority,
        ):
            req.minimum, req.preferred, req.maximum, req.priority = (
                levels.minimum, levels.preferred, levels.maximum, priority,
            )
            to_update.append(req)
            per_unit[unit_pk].updated += 1
        else:
            per_unit[unit_pk].unchanged += 1
    CoverageRequirement.objects.bulk_create(to_create, batch_size=500)
    CoverageRequirement.objects.bulk_update(
        to_update, ["minimum", "preferred", "maximum", "priority"], batch_size=500
    )
    for counts in per_unit.values():
        result.created += counts.created
        result.updated += counts.updated
        result.unchanged += counts.unchanged
    if actor is not None:
        for unit in unit_list:
            counts = per_unit[unit.pk]
            audit_record(
                actor=actor,
                action="coverage.derive",
                obj=unit,
                after={
                    "start_date": start_date.isoformat(),
                    "end_date": end_date.isoformat(),
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                },
            )
    return result
