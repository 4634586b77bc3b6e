"""A unit's weekly cover template, and applying it to the dates of a period.

A template line says: on this day of the week and shift type, this many people of a role
(or holding a skill, or a certification) — minimum, preferred, maximum. A manager sets a
line by hand, or derives it from the unit's ratio rules and a census estimate (the
derivation is kept with the line and shown: "14 patients at 1 RN : 4 → minimum 4 …").

Applying the template to a period writes one CoverageRequirement per line and date,
marked ``from_template``. Overrides win:

* a row for the same date, shift type and need that the template did not make (entered
  for that one date in the editor or the API, or derived from a day's census) is an
  override: applying never changes or removes it;
* a row the template made is brought in line with the template on every application, and
  removed when its line has gone; changing it for one date (the editor's "one date"
  form, or the API) turns it into an override;
* days before today are history and left alone.

Generating a roster applies the template of each unit first (:func:`template_apply`), so
a period nobody prepared still gets the unit's usual week. :func:`cover_gaps` names the
days (and shift types) that have no cover at all: generation and publication say so by
name, and the scores never call such a roster fully covered.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from .access import can_manage_unit
from .audit import audit_record, snapshot
from .coverage import (
    MAXIMUM_ABOVE_PREFERRED,
    PRIORITY,
    ratio_levels,
    ratio_rules_in_force,
    staff_needed,
)
from .errors import DomainError, NotAllowed
from .marketplace import cover_changed
from .models import (
    COVER_MAX,
    PATIENTS_MAX,
    WEEKDAY_NAMES,
    CertificationType,
    CoverageRequirement,
    CoverTemplate,
    RatioRule,
    ShiftType,
    Skill,
    SkillMixRule,
    Staff,
    Unit,
)
from .timeutil import check_days

# Applying reaches at most this far: half a year of dates at once.
APPLY_MAX_DAYS = 186

# (date, shift type, role, skill, certification type)
Key = tuple[dt.date, int, str, int | None, int | None]


@dataclass(frozen=True)
class Need:
    """What a line asks for: a role, a skill or a certification (exactly one)."""

    role: str = ""
    skill: Skill | None = None
    certification_type: CertificationType | None = None

    @property
    def label(self) -> str:
        return str(self.role or self.skill or self.certification_type)


@dataclass(frozen=True)
class DerivedLine:
    need: Need
    minimum: int
    preferred: int
    maximum: int
    derivation: str


@dataclass
class ApplyResult:
    start_date: dt.date
    end_date: dt.date
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    overrides_kept: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "start_date": self.start_date.isoformat(), "end_date": self.end_date.isoformat(),
            "created": self.created, "updated": self.updated, "removed": self.removed,
            "unchanged": self.unchanged, "overrides_kept": self.overrides_kept,
        }


@dataclass
class CoverGaps:
    """Where a unit's period has no cover: whole days, and shift types missing on days
    that have other cover (e.g. nights set only up to a date)."""

    unit: Unit
    days: list[dt.date] = field(default_factory=list)
    by_shift: dict[str, list[dt.date]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.days or self.by_shift)

    def text(self, *, shown: int = 8) -> str:
        def dates(days: Sequence[dt.date]) -> str:
            head = ", ".join(f"{d:%a %-d %b}" for d in days[:shown])
            return head + (f" and {len(days) - shown} more" if len(days) > shown else "")

        parts = []
        if self.days:
            parts.append(f"no cover set for {len(self.days)} day{'s' if len(self.days) != 1 else ''}: {dates(self.days)}")
        for code, days in self.by_shift.items():
            parts.append(f"no {code} cover on {len(days)} day{'s' if len(days) != 1 else ''}: {dates(days)}")
        return f"{self.unit.name}: " + "; ".join(parts) if parts else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit.name, "unit_id": self.unit.pk,
            "days": [d.isoformat() for d in self.days],
            "by_shift": {code: [d.isoformat() for d in days] for code, days in self.by_shift.items()},
            "text": self.text(),
        }


# --- reading -------------------------------------------------------------------------

def template_of(unit: Unit) -> list[CoverTemplate]:
    return list(
        CoverTemplate.objects.filter(unit=unit).select_related("shift_type", "skill", "certification_type")
    )


@dataclass
class TemplateCell:
    minimum: int
    preferred: int
    maximum: int
    line: CoverTemplate


@dataclass
class TemplateRow:
    shift_type: ShiftType
    need: str
    need_key: str  # "role:RN", "skill:3", "cert:2": the editor's choice value
    cells: list[TemplateCell | None]
    derivations: list[str]


def template_table(unit: Unit) -> list[TemplateRow]:
    """The template as a week: one row per shift type and need, one cell per weekday."""
    rows: dict[tuple[int, str], TemplateRow] = {}
    for line in sorted(template_of(unit), key=lambda x: (x.shift_type.start_time, x.shift_type.code, x.need)):
        key = (line.shift_type_id, line.need)
        need_key = (f"role:{line.role}" if line.role else f"skill:{line.skill_id}" if line.skill_id
                    else f"cert:{line.certification_type_id}")
        row = rows.setdefault(key, TemplateRow(line.shift_type, line.need, need_key, [None] * 7, []))
        row.cells[line.weekday] = TemplateCell(line.minimum, line.preferred, line.maximum, line)
        if line.derivation and line.derivation not in row.derivations:
            row.derivations.append(line.derivation)
    return list(rows.values())


def cover_gaps(unit: Unit, start_date: dt.date, end_date: dt.date) -> CoverGaps:
    """The days of the period with no cover row at all, and the shift types that have
    cover on some days of the period but none on others (those days named)."""
    present: dict[dt.date, set[str]] = defaultdict(set)
    for day, code in CoverageRequirement.objects.filter(
        unit=unit, date__range=(start_date, end_date)
    ).values_list("date", "shift_type__code"):
        present[day].add(code)
    gaps = CoverGaps(unit)
    codes = sorted({c for cs in present.values() for c in cs})
    day = start_date
    while day <= end_date:
        if not present.get(day):
            gaps.days.append(day)
        else:
            for code in codes:
                if code not in present[day]:
                    gaps.by_shift.setdefault(code, []).append(day)
        day += dt.timedelta(days=1)
    return gaps


# --- setting lines -------------------------------------------------------------------

def _check_levels(minimum: int, preferred: int, maximum: int) -> None:
    for name, value in (("minimum", minimum), ("preferred", preferred), ("maximum", maximum)):
        if not 0 <= value <= COVER_MAX:
            raise DomainError(f"The {name} must be a whole number from 0 to {COVER_MAX}.", field=name)
    if preferred < minimum:
        raise DomainError("The preferred number cannot be below the minimum.", field="preferred")
    if maximum < preferred:
        raise DomainError("The maximum cannot be below the preferred number.", field="maximum")


def _check_weekdays(weekdays: Iterable[int]) -> list[int]:
    days = sorted(set(weekdays))
    if not days:
        raise DomainError("Choose at least one day of the week.", field="weekdays")
    if any(not 0 <= d <= 6 for d in days):
        raise DomainError("Days of the week are 0 (Monday) to 6 (Sunday).", field="weekdays")
    return days


def _check_place(actor: Any, unit: Unit, shift_type: ShiftType) -> Unit:
    if not can_manage_unit(actor, unit.pk):
        raise NotAllowed(f"You may not change the cover of {unit.name}.", field="unit")
    if shift_type.site_id != unit.site_id:
        raise DomainError("This shift type belongs to another site.", field="shift_type")
    # The unit's row lock serialises changes to its template and its cover.
    return Unit.objects.select_for_update().get(pk=unit.pk)


def _check_need(need: Need) -> None:
    named = sum(1 for x in (need.role, need.skill, need.certification_type) if x)
    if named != 1:
        raise DomainError("Name exactly one need: a role, a skill or a certification.", field="need")
    if need.role and need.role not in Staff.Role.values:
        raise DomainError(f"{need.role!r} is not a role.", field="need")


def _line_for(unit: Unit, weekday: int, shift_type: ShiftType, need: Need) -> CoverTemplate | None:
    return CoverTemplate.objects.filter(
        unit=unit, weekday=weekday, shift_type=shift_type, role=need.role,
        skill=need.skill, certification_type=need.certification_type,
    ).first()


@transaction.atomic
def template_set(
    *, actor: Any, unit: Unit, weekdays: Iterable[int], shift_type: ShiftType, need: Need,
    minimum: int, preferred: int, maximum: int, patients: int | None = None, derivation: str = "",
) -> list[CoverTemplate]:
    """Set one need on a shift type for the given days of the week (creating or replacing
    those lines). Audited, one event per line."""
    unit = _check_place(actor, unit, shift_type)
    days = _check_weekdays(weekdays)
    _check_need(need)
    _check_levels(minimum, preferred, maximum)
    if patients is not None and not 0 <= patients <= PATIENTS_MAX:
        raise DomainError(f"The census estimate must be from 0 to {PATIENTS_MAX} patients.", field="patients")
    lines = []
    for weekday in days:
        line = _line_for(unit, weekday, shift_type, need)
        before = snapshot(line) if line else None
        if line is None:
            line = CoverTemplate(unit=unit, weekday=weekday, shift_type=shift_type, role=need.role,
                                 skill=need.skill, certification_type=need.certification_type)
        line.minimum, line.preferred, line.maximum = minimum, preferred, maximum
        line.patients, line.derivation = patients, derivation[:300]
        line.save()
        audit_record(actor=actor, action="cover_template.set", obj=line, before=before, after=snapshot(line),
                     rationale=f"{WEEKDAY_NAMES[weekday]} {shift_type.code}: {need.label} "
                               f"{minimum}/{preferred}/{maximum}")
        lines.append(line)
    return lines


@transaction.atomic
def template_line_delete(*, actor: Any, line: CoverTemplate) -> None:
    _check_place(actor, line.unit, line.shift_type)
    audit_record(actor=actor, action="cover_template.delete", obj=line, before=snapshot(line),
                 rationale=f"{WEEKDAY_NAMES[line.weekday]} {line.shift_type.code}: {line.need} removed")
    line.delete()


@transaction.atomic
def template_clear_row(*, actor: Any, unit: Unit, shift_type: ShiftType, need: Need,
                       weekdays: Iterable[int] = range(7)) -> int:
    """Remove a need on a shift type from the given days of the week."""
    unit = _check_place(actor, unit, shift_type)
    gone = 0
    for weekday in _check_weekdays(weekdays):
        line = _line_for(unit, weekday, shift_type, need)
        if line is not None:
            template_line_delete(actor=actor, line=line)
            gone += 1
    return gone


# --- deriving from ratio rules and a census estimate ---------------------------------

def derive_lines(unit: Unit, shift_type: ShiftType, patients: int) -> list[DerivedLine]:
    """What the unit's ratio and skill-mix rules ask for on this shift type with this many
    patients, each with how it was worked out (the same rules as derived cover,
    roster/coverage.py)."""
    if not 0 <= patients <= PATIENTS_MAX:
        raise DomainError(f"The census estimate must be from 0 to {PATIENTS_MAX} patients.", field="patients")
    chosen = ratio_rules_in_force(RatioRule.objects.filter(unit=unit), {shift_type.pk})
    if not chosen:
        raise DomainError(f"{unit.name} has no ratio rule for {shift_type.name}: set the numbers by hand, "
                          "or ask an administrator to record the unit's ratios.", field="patients")
    lines: list[DerivedLine] = []
    cap = 0
    for role, rule in sorted(chosen.items()):
        levels = ratio_levels(patients=patients, patients_per_staff=rule.patients_per_staff,
                              beds=unit.beds, is_night=shift_type.is_night)
        cap = max(cap, levels.maximum)
        ratio = format(rule.patients_per_staff.normalize(), "f") if "." in str(rule.patients_per_staff) else str(
            rule.patients_per_staff)
        why = f"{patients} patients at 1 {role} : {ratio} → minimum {staff_needed(patients, rule.patients_per_staff)}"
        if levels.preferred > levels.minimum:
            why += f", preferred {levels.preferred} (one more by day for admissions and rounds)"
        else:
            why += f", preferred {levels.preferred}"
        why += f", maximum {levels.maximum} (preferred + {MAXIMUM_ABOVE_PREFERRED})"
        lines.append(DerivedLine(Need(role=role), levels.minimum, levels.preferred, levels.maximum, why))
    for mix in SkillMixRule.objects.filter(unit=unit).select_related("skill", "certification_type"):
        need = Need(skill=mix.skill, certification_type=mix.certification_type)
        maximum = max(mix.minimum, cap)
        why = f"skill mix: at least {mix.minimum} {need.label} on every shift"
        lines.append(DerivedLine(need, mix.minimum, mix.minimum, maximum, why))
    return lines


@transaction.atomic
def template_derive(
    *, actor: Any, unit: Unit, weekdays: Iterable[int], shift_type: ShiftType, patients: int
) -> list[DerivedLine]:
    """Set the lines the ratio rules call for with this census estimate, on these days."""
    derived = derive_lines(unit, shift_type, patients)
    for line in derived:
        template_set(actor=actor, unit=unit, weekdays=weekdays, shift_type=shift_type, need=line.need,
                     minimum=line.minimum, preferred=line.preferred, maximum=line.maximum,
                     patients=patients, derivation=line.derivation)
    return derived


# --- applying to a period ------------------------------------------------------------

@transaction.atomic
def template_apply(
    *, actor: Any, unit: Unit, start_date: dt.date, end_date: dt.date, check_access: bool = True
) -> ApplyResult:
    """Write the template's cover for every date of the period from today on (see the
    module's note on overrides). Audited with its counts when anything changed; an empty
    template removes the cover it made before, nothing else."""
    if check_access and not can_manage_unit(actor, unit.pk):
        raise NotAllowed(f"You may not change the cover of {unit.name}.", field="unit")
    check_days(start_date=start_date, end_date=end_date)
    if end_date < start_date:
        raise DomainError("The period must end on or after its start.", field="end_date")
    if (end_date - start_date).days >= APPLY_MAX_DAYS:
        raise DomainError(f"Apply the template to at most {APPLY_MAX_DAYS} days at once.", field="end_date")
    today = timezone.localdate()
    if end_date < today:
        raise DomainError("This period is over: past days keep the cover they had.", field="end_date")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    first = max(start_date, today)
    result = ApplyResult(first, end_date)
    lines = template_of(unit)
    by_weekday: dict[int, list[CoverTemplate]] = defaultdict(list)
    for line in lines:
        by_weekday[line.weekday].append(line)
    priority = PRIORITY.get(unit.kind, 1)

    existing: dict[Key, CoverageRequirement] = {}
    stray: list[int] = []
    for row in CoverageRequirement.objects.filter(unit=unit, date__range=(first, end_date)).order_by(
        "-from_template", "pk"
    ):
        key: Key = (row.date, row.shift_type_id, row.role, row.skill_id, row.certification_type_id)
        if key in existing:
            if row.from_template:
                stray.append(row.pk)  # a second template row for the same need: one is enough
            continue
        existing[key] = row
    wanted: set[Key] = set()
    to_create: list[CoverageRequirement] = []
    to_update: list[CoverageRequirement] = []
    day = first
    while day <= end_date:
        for line in by_weekday.get(day.weekday(), []):
            key = (day, line.shift_type_id, line.role, line.skill_id, line.certification_type_id)
            wanted.add(key)
            found = existing.get(key)
            levels = (line.minimum, line.preferred, line.maximum, priority)
            if found is None:
                to_create.append(CoverageRequirement(
                    unit=unit, date=day, shift_type_id=line.shift_type_id, role=line.role,
                    skill_id=line.skill_id, certification_type_id=line.certification_type_id,
                    minimum=line.minimum, preferred=line.preferred, maximum=line.maximum,
                    priority=priority, from_template=True,
                ))
                result.created += 1
            elif not found.from_template:
                result.overrides_kept += 1
            elif (found.minimum, found.preferred, found.maximum, found.priority) != levels:
                found.minimum, found.preferred, found.maximum, found.priority = levels
                to_update.append(found)
                result.updated += 1
            else:
                result.unchanged += 1
        day += dt.timedelta(days=1)
    gone = [row.pk for key, row in existing.items() if row.from_template and key not in wanted] + stray
    result.removed = len(gone)
    CoverageRequirement.objects.filter(pk__in=gone).delete()
    CoverageRequirement.objects.bulk_create(to_create, batch_size=500)
    CoverageRequirement.objects.bulk_update(to_update, ["minimum", "preferred", "maximum", "priority"],
                                            batch_size=500)
    if result.created or result.updated or result.removed:
        audit_record(actor=actor, action="cover_template.apply", obj=unit, after=result.as_dict(),
                     rationale=f"Weekly cover applied to {first:%d %b %Y} – {end_date:%d %b %Y}")
    return result


@transaction.atomic
def cover_override(
    *, actor: Any, unit: Unit, date: dt.date, shift_type: ShiftType, need: Need,
    minimum: int, preferred: int, maximum: int,
) -> CoverageRequirement:
    """Set the cover of one need on one date, whatever the template says: the row becomes
    an override that applying the template leaves alone. Zero everywhere asks for nobody
    (the day is still counted as having cover set)."""
    unit = _check_place(actor, unit, shift_type)
    check_days(date=date)
    if date < timezone.localdate():
        raise DomainError("Past days keep the cover they had.", field="date")
    _check_need(need)
    _check_levels(minimum, preferred, maximum)
    rows = CoverageRequirement.objects.filter(
        unit=unit, date=date, shift_type=shift_type, role=need.role, skill=need.skill,
        certification_type=need.certification_type,
    ).order_by("from_template", "pk")
    row = rows.first()
    before = snapshot(row) if row else None
    if row is None:
        row = CoverageRequirement(unit=unit, date=date, shift_type=shift_type, role=need.role, skill=need.skill,
                                  certification_type=need.certification_type,
                                  priority=PRIORITY.get(unit.kind, 1))
    else:
        rows.exclude(pk=row.pk).delete()
    row.minimum, row.preferred, row.maximum = minimum, preferred, maximum
    row.from_template = False
    row.save()
    audit_record(actor=actor, action="coverage.override", obj=row, before=before, after=snapshot(row),
                 rationale=f"{date:%a %d %b %Y} {shift_type.code}: {need.label} {minimum}/{preferred}/{maximum}")
    # What a published roster now leaves short is offered, as for any change of cover.
    cover_changed(actor=actor, requirement=row)
    return row


def overrides_in(unit: Unit, start_date: dt.date, end_date: dt.date) -> list[CoverageRequirement]:
    """The rows of the period a template application leaves alone."""
    return list(
        CoverageRequirement.objects.filter(unit=unit, date__range=(start_date, end_date), from_template=False)
        .select_related("shift_type", "skill", "certification_type")
        .order_by("date", "shift_type__start_time")
    )
