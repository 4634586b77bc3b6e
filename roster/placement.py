"""The rulebook's two questions, asked of the database: where may a person work, and
under which limits.

Every path that decides whether someone may work a shift — manual edits, open shifts,
swaps, the solver's adapter, the roster screen's lists of people — calls these, so a
float nurse gets the same answer everywhere. The rules themselves are in
:mod:`roster.rulebook`; this module only loads the rows they need.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Q, QuerySet

from . import rulebook
from .models import Contract, FatigueRules, Staff, Unit


def cross_trained_ids(staff: Staff) -> frozenset[int]:
    """The units ``staff`` is cross-trained for, read once per instance (or set for many at
    once by :func:`load_cross_training`)."""
    cached = staff.__dict__.get("_cross_trained_ids")
    if cached is None:
        cached = frozenset(staff.cross_trained_units.values_list("pk", flat=True)) if staff.pk else frozenset()
        staff.__dict__["_cross_trained_ids"] = cached
    return cached


def load_cross_training(people: Iterable[Staff]) -> None:
    """Read the cross-training of many people in one query, for :func:`may_work_in`."""
    people = [p for p in people if p.pk is not None]
    found: dict[int, set[int]] = {p.pk: set() for p in people}
    for staff_id, unit_id in Staff.cross_trained_units.through.objects.filter(
            staff_id__in=list(found)).values_list("staff_id", "unit_id"):
        found[staff_id].add(unit_id)
    for p in people:
        p.__dict__["_cross_trained_ids"] = frozenset(found[p.pk])


def may_work_in(staff: Staff, unit: Unit) -> bool:
    """The rulebook's "may work in this unit", for one person and one unit."""
    if staff.home_unit_id == unit.pk:
        return True
    return rulebook.may_work_in(
        home_unit=staff.home_unit_id, home_site=staff.home_unit.site_id, float_pool=staff.float_pool,
        unit=unit.pk, unit_site=unit.site_id, cross_trained=cross_trained_ids(staff),
    )


def _cross_trained_for(units: QuerySet[Unit] | list[int], prefix: str) -> Q:
    """Staff cross-trained for one of ``units``, at their home site (the rulebook's terms)."""
    through = Staff.cross_trained_units.through.objects.filter(unit__in=units).filter(
        unit__site_id=F("staff__home_unit__site_id"))
    return Q(**{f"{prefix}pk__in": through.values("staff_id")})


def who_may_work_in(unit: Unit, prefix: str = "") -> Q:
    """A filter on Staff (or on a relation to it, through ``prefix``, e.g. "staff__") for
    the people :func:`may_work_in` lets into ``unit``; the test suite checks the two agree."""
    return (Q(**{f"{prefix}home_unit_id": unit.pk})
            | Q(**{f"{prefix}float_pool": True, f"{prefix}home_unit__site_id": unit.site_id})
            | _cross_trained_for([unit.pk], prefix))


def who_may_work_in_any(units: QuerySet[Unit], prefix: str = "") -> Q:
    """:func:`who_may_work_in` for a set of units at once: the people who may work in at
    least one of them (the test suite checks it agrees with the predicate)."""
    return (Q(**{f"{prefix}home_unit__in": units})
            | Q(**{f"{prefix}float_pool": True, f"{prefix}home_unit__site__in": units.values("site_id")})
            | _cross_trained_for(units, prefix))


def units_open_to(staff: Staff, unit_field: str = "unit") -> Q:
    """A filter on rows with a unit (through ``unit_field``) where :func:`may_work_in`
    lets ``staff`` work."""
    q = Q(**{f"{unit_field}_id": staff.home_unit_id})
    if staff.float_pool:
        q |= Q(**{f"{unit_field}__site_id": staff.home_unit.site_id})
    trained = cross_trained_ids(staff)
    if trained:
        q |= Q(**{f"{unit_field}_id__in": sorted(trained), f"{unit_field}__site_id": staff.home_unit.site_id})
    return q


def fatigue_settings(row: FatigueRules | None) -> rulebook.FatigueSettings | None:
    if row is None:
        return None
    return rulebook.FatigueSettings(
        max_shift_minutes=row.max_shift_minutes,
        min_rest_minutes=row.min_rest_minutes,
        max_minutes_7_days=row.max_minutes_7_days,
        max_consecutive_days=row.max_consecutive_days,
        max_consecutive_nights=row.max_consecutive_nights,
    )


def contract_terms(contract: Contract | None) -> rulebook.ContractTerms | None:
    if contract is None:
        return None
    return rulebook.ContractTerms(
        max_consecutive_days=contract.max_consecutive_days,
        unavailable_weekdays=frozenset((int(d) - 1) % 7 for d in contract.unavailable_weekdays),
    )


class RulesInForce:
    """The stored fatigue rules of a set of units, loaded once: a unit's own, else its
    site's, else the defaults. ``limits`` then answers for any person and unit without
    a query (pass people with ``contract`` and ``home_unit`` selected)."""

    def __init__(self, units: Iterable[Unit]) -> None:
        units = list(units)
        unit_ids = {u.pk for u in units}
        site_ids = {u.site_id for u in units}
        rows = FatigueRules.objects.filter(Q(unit_id__in=unit_ids) | Q(site_id__in=site_ids, unit__isnull=True))
        self._unit: dict[int, rulebook.FatigueSettings | None] = {}
        self._site: dict[int, rulebook.FatigueSettings | None] = {}
        for row in rows:
            if row.unit_id is not None:
                self._unit[row.unit_id] = fatigue_settings(row)
            else:
                self._site[row.site_id] = fatigue_settings(row)
        self._site_of = {u.pk: u.site_id for u in units}

    def add(self, units: Iterable[Unit]) -> None:
        missing = [u for u in units if u.pk not in self._site_of]
        if missing:
            other = RulesInForce(missing)
            self._unit.update(other._unit)
            self._site.update(other._site)
            self._site_of.update(other._site_of)

    def settings(self, unit_id: int) -> rulebook.FatigueSettings | None:
        if unit_id in self._unit:
            return self._unit[unit_id]
        return self._site.get(self._site_of[unit_id])

    def source(self, unit_id: int) -> str:
        """Where a unit's rules come from: "unit", "site" or "defaults"."""
        if unit_id in self._unit:
            return "unit"
        return "site" if self._site_of[unit_id] in self._site else "defaults"

    def limits(self, staff: Staff, unit: Unit) -> rulebook.Limits:
        self.add([unit, staff.home_unit])
        return rulebook.limits_for(
            home=self.settings(staff.home_unit_id), working=self.settings(unit.pk),
            contract=contract_terms(staff.contract),
        )


def limits_for(staff: Staff, unit: Unit) -> rulebook.Limits:
    """The limits for ``staff`` working a shift in ``unit`` (see the rulebook for which
    unit's rules govern what)."""
    return RulesInForce([unit, staff.home_unit]).limits(staff, unit)


def unit_settings(unit: Unit) -> rulebook.FatigueSettings:
    """The fatigue rules in force in one unit (its own, else its site's, else defaults)."""
    return RulesInForce([unit]).settings(unit.pk) or rulebook.DEFAULTS
