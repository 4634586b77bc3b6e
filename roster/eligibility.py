"""Who may take a shift that changes hands (a swap, an open shift), and why not.

Two ways to ask, with the same answer:

* ``breaches_taking`` — for a write. It calls ``check_assignment`` (the very
  check every manual change goes through) for one person and one shift, optionally
  leaving out the shift the person gives away in a trade, and adds what a change of
  hands needs on top: the person is active, and holds the role, skill or certificate
  the slot asks for.
* ``Window`` — for a page listing many shifts for one person (open shifts, colleagues'
  shifts to trade for). It loads the person's live shifts and leave once and runs the
  same ``rules.check_shift`` on each, so a list costs a fixed number of queries. Only
  shifts of published rosters change hands, so a person's other shifts are exactly
  their live ones, which is what ``check_assignment`` looks at for a published roster.

The write paths always re-check with ``breaches_taking`` under a row lock; a listing
is advice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from . import placement, rulebook, rules
from .assignments import approved_leave_days, check_assignment, placement_breaches, rule_shift
from .models import (
    Assignment,
    Certification,
    CoverageRequirement,
    Roster,
    ShiftType,
    Staff,
    Unit,
)
from .timeutil import shift_interval


@dataclass(frozen=True)
class Requirement:
    """What a slot asks of the person who works it (empty: anyone of the unit)."""

    role: str = ""
    skill_id: int | None = None
    certification_type_id: int | None = None
    label: str = ""


def qualification_breaches(
    staff: Staff, need: Requirement, day: dt.date, *, skill_ids: set[int], certificates: list[Certification]
) -> list[rules.Breach]:
    """Whether ``staff`` holds what ``need`` asks on ``day`` (skills and certificates given,
    so a caller listing many slots fetches them once)."""
    found: list[rules.Breach] = []
    if not staff.active:
        found.append(rules.Breach(rulebook.INACTIVE, f"{staff} is not active"))
    if need.role and staff.role != need.role:
        found.append(rules.Breach(rulebook.ROLE, f"needs a {Staff.Role(need.role).label.lower()}, {staff} is {staff.get_role_display().lower()}"))
    if need.skill_id is not None and need.skill_id not in skill_ids:
        found.append(rules.Breach(rulebook.SKILL, f"needs the skill {need.label or 'asked for'}"))
    if need.certification_type_id is not None and not any(
        c.type_id == need.certification_type_id and c.valid_on(day) for c in certificates
    ):
        found.append(rules.Breach(rulebook.CERTIFICATION, f"needs a valid {need.label or 'certificate'} on {day:%a %d %b}"))
    return found


def _qualifications(staff: Staff) -> tuple[set[int], list[Certification]]:
    return set(staff.skills.values_list("pk", flat=True)), list(staff.certifications.all())


def breaches_taking(
    *,
    staff: Staff,
    roster: Roster,
    shift_type: ShiftType,
    day: dt.date,
    need: Requirement | None = None,
    giving_up: Assignment | None = None,
) -> list[rules.Breach]:
    """Every rule ``staff`` would break by working this shift, having given up
    ``giving_up`` (their side of a trade). Empty: they may take it."""
    skill_ids, certificates = _qualifications(staff)
    found = qualification_breaches(staff, need or Requirement(), day, skill_ids=skill_ids, certificates=certificates)
    found += check_assignment(
        staff=staff, roster=roster, shift_type=shift_type, day=day,
        exclude_pk=giving_up.pk if giving_up is not None else None,
    )
    return found


# --- many shifts for one person, at a fixed cost -------------------------------------

@dataclass
class Window:
    """A person's live shifts, leave and qualifications over a range of days."""

    staff: Staff
    shifts: list[Assignment]
    leave_days: set[dt.date]
    skill_ids: set[int]
    certificates: list[Certification]
    _limits: dict[int, rulebook.Limits] = field(default_factory=dict)

    @classmethod
    def load(cls, staff: Staff, first: dt.date, last: dt.date) -> Window:
        lo, hi = first - dt.timedelta(days=8), last + dt.timedelta(days=8)
        shifts = list(
            Assignment.objects.filter(staff=staff, live=True, date__range=(lo, hi)).select_related("shift_type")
        )
        leave_days = approved_leave_days(staff, lo, hi)
        skill_ids, certificates = _qualifications(staff)
        return cls(staff, shifts, leave_days, skill_ids, certificates)

    def limits(self, unit: Unit) -> rulebook.Limits:
        if unit.pk not in self._limits:
            self._limits[unit.pk] = placement.limits_for(self.staff, unit)
        return self._limits[unit.pk]

    def breaches(
        self,
        *,
        unit: Unit,
        shift_type: ShiftType,
        day: dt.date,
        need: Requirement | None = None,
        giving_up: int | None = None,
    ) -> list[rules.Breach]:
        """The same answer as ``breaches_taking`` for a shift of a published roster."""
        staff = self.staff
        found = qualification_breaches(
            staff, need or Requirement(), day, skill_ids=self.skill_ids, certificates=self.certificates
        )
        starts_at, ends_at = shift_interval(day, shift_type.start_time, shift_type.duration_minutes, unit.site.timezone)
        person = rules.Person(
            shifts=[rule_shift(a) for a in self.shifts if a.pk != giving_up],
            leave_days=self.leave_days,
            placement=placement_breaches(staff, unit),
        )
        proposed = rules.Shift(
            day, starts_at, ends_at, shift_type.is_night, shift_type.code,
            rostered_minutes=shift_type.duration_minutes,
        )
        return found + rules.check_shift(person, proposed, self.limits(unit))


def candidates_for(unit: Unit) -> QuerySet[Staff]:
    """People who could be eligible for a unit's shift at all: its own active staff and
    the active float pool of its site (anyone else fails the home-unit rule)."""
    return Staff.objects.filter(active=True).filter(placement.who_may_work_in(unit))


def requirement_of(req: CoverageRequirement) -> Requirement:
    label = req.get_role_display() if req.role else str(req.skill or req.certification_type)
    return Requirement(req.role, req.skill_id, req.certification_type_id, label)


def counts_towards(staff: Staff, need: Requirement, day: dt.date) -> bool:
    """Whether a person counts towards a requirement (prefetched skills and certificates)."""
    if need.role and staff.role != need.role:
        return False
    if need.skill_id is not None and not any(s.pk == need.skill_id for s in staff.skills.all()):
        return False
    return need.certification_type_id is None or any(
        c.type_id == need.certification_type_id and c.valid_on(day) for c in staff.certifications.all()
    )


def coverage_breaches(
    *, unit: Unit, shift_type: ShiftType, day: dt.date, leaving: Staff, arriving: Staff
) -> list[rules.Breach]:
    """The minimum cover a change of hands would break on one shift: the only charge
    nurse giving her shift to someone who is not one leaves it without a charge nurse.

    Only a drop caused by the change counts: a shift already short stays as it was.
    """
    requirements = list(
        CoverageRequirement.objects.filter(unit=unit, date=day, shift_type=shift_type).select_related(
            "skill", "certification_type"
        )
    )
    if not requirements:
        return []
    people = {leaving.pk: leaving, arriving.pk: arriving}
    working = list(
        Staff.objects.filter(
            assignments__live=True, assignments__roster__unit=unit, assignments__date=day,
            assignments__shift_type=shift_type,
        ).prefetch_related("skills", "certifications")
    )
    for person in working:
        people[person.pk] = person
    on_shift = {p.pk for p in working}
    found: list[rules.Breach] = []
    for req in requirements:
        need = requirement_of(req)
        before = sum(counts_towards(people[pk], need, day) for pk in on_shift)
        after_pks = (on_shift - {leaving.pk}) | {arriving.pk}
        after = sum(counts_towards(people[pk], need, day) for pk in after_pks)
        if after < before and after < req.minimum:
            found.append(
                rules.Breach(rulebook.COVERAGE_MINIMUM, f"{shift_type.code} on {day:%a %d %b} would have {after} {need.label}"
                       f" (minimum {req.minimum})")
            )
    return found
