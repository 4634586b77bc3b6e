"""Who may see and change what. Selectors return querysets already scoped to a user.

Visibility is decided here, in querysets, so list and create endpoints are scoped as
well as detail ones (object permissions alone would not cover them).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import Q, QuerySet

from .models import Access, Assignment, AuditEvent, Roster, Site, SolverRun, Staff, Unit

Level = Access.Level
User = AbstractBaseUser | AnonymousUser


def level_of(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Level.ADMINISTRATOR
    access = getattr(user, "access", None)
    if access is None:
        try:
            access = Access.objects.get(user=user)
        except Access.DoesNotExist:
            return Level.STAFF if staff_of(user) else None
    return str(access.level)


def staff_of(user: Any) -> Staff | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff  # type: ignore[no-any-return]
    except Staff.DoesNotExist:
        return None


def is_network_wide(user: Any) -> bool:
    return level_of(user) in (Level.REGIONAL_COORDINATOR, Level.ADMINISTRATOR)


def is_administrator(user: Any) -> bool:
    return level_of(user) == Level.ADMINISTRATOR


def managed_units(user: Any) -> QuerySet[Unit]:
    """Units whose people, rules and rosters this user may change."""
    level = level_of(user)
    if level in (Level.REGIONAL_COORDINATOR, Level.ADMINISTRATOR):
        return Unit.objects.all()
    if level == Level.SITE_COORDINATOR:
        return Unit.objects.filter(site__in=user.access.sites.all())
    if level == Level.UNIT_MANAGER:
        return Unit.objects.filter(pk__in=user.access.units.all())
    return Unit.objects.none()


def managed_sites(user: Any) -> QuerySet[Site]:
    level = level_of(user)
    if level in (Level.REGIONAL_COORDINATOR, Level.ADMINISTRATOR):
        return Site.objects.all()
    if level == Level.SITE_COORDINATOR:
        return Site.objects.filter(pk__in=user.access.sites.all())
    return Site.objects.none()


def visible_units(user: Any) -> QuerySet[Unit]:
    """Units a user can see: the ones they manage, and their own home unit — whatever
    their level, someone who works in a unit sees it as its staff do."""
    level = level_of(user)
    if level is None:
        return Unit.objects.none()
    me = staff_of(user)
    home = Q(pk=me.home_unit_id) if me is not None else Q(pk__in=[])
    if level == Level.STAFF:
        return Unit.objects.filter(home)
    if level in (Level.REGIONAL_COORDINATOR, Level.ADMINISTRATOR):
        return managed_units(user)
    return Unit.objects.filter(home | Q(pk__in=managed_units(user)))


def visible_rosters(user: Any) -> QuerySet[Roster]:
    """Every version of the units a user manages; the published version of the other
    units they see (their home unit). Anything else is a 404, so a roster's existence is
    not revealed. Pages, API and admin all use this."""
    scope = Q(unit__in=managed_units(user)) | Q(unit__in=visible_units(user), status=Roster.Status.PUBLISHED)
    return Roster.objects.filter(scope)


def visible_assignments(user: Any) -> QuerySet[Assignment]:
    """Every shift of the rosters a user manages; the shifts in force of the units they
    see; and their own shifts in force wherever they are (a float nurse's)."""
    me = staff_of(user)
    scope = Q(roster__unit__in=managed_units(user)) | Q(roster__unit__in=visible_units(user), live=True)
    if me is not None:
        scope |= Q(staff=me, live=True)
    return Assignment.objects.filter(scope)


def visible_runs(user: Any) -> QuerySet[SolverRun]:
    """A unit's runs for its managers; a whole site's runs for the site's coordinators,
    and for the managers of any unit on that site, since such a run made their unit's
    draft too. The run page shows the drafts of units a viewer may not see by name only."""
    scope = Q(unit__in=managed_units(user)) | Q(
        unit__isnull=True, site__in=Site.objects.filter(Q(pk__in=managed_sites(user)) | Q(units__in=managed_units(user)))
    )
    return SolverRun.objects.filter(scope)


def visible_audit(user: Any) -> QuerySet[AuditEvent]:
    """The log of what a user manages: their units' and sites' events; administrators see
    everything, network-wide reference data (skills, contracts) included; staff nothing."""
    rows = AuditEvent.objects.all()
    if is_administrator(user):
        return rows
    if level_of(user) in (None, Level.STAFF):
        return rows.none()
    return rows.filter(Q(unit__in=managed_units(user)) | Q(site__in=managed_sites(user)))


# How each kind of row reaches the unit or site that decides who sees it (the admin's
# lists, and any list not scoped by a selector of its own).
_UNIT_PATHS = ("unit", "home_unit", "roster__unit", "staff__home_unit")


def scoped(user: Any, rows: QuerySet[Any]) -> QuerySet[Any]:
    """``rows`` cut to what ``user`` may change: everything network-wide, else the rows
    of the units (or sites) they manage."""
    if is_network_wide(user):
        return rows
    if rows.model is Unit:
        return rows.filter(pk__in=managed_units(user))
    names = {f.name for f in rows.model._meta.get_fields()}
    for path in _UNIT_PATHS:
        if path.split("__")[0] in names:
            return rows.filter(**{f"{path}__in": managed_units(user)})
    if rows.model is Site:
        return rows.filter(pk__in=managed_sites(user))
    if "site" in names:
        return rows.filter(site__in=managed_sites(user))
    return rows.none()


def visible_sites(user: Any) -> QuerySet[Site]:
    return Site.objects.filter(Q(units__in=visible_units(user)) | Q(pk__in=managed_sites(user))).distinct()


def can_manage_unit(user: Any, unit_id: int | None) -> bool:
    return unit_id is not None and managed_units(user).filter(pk=unit_id).exists()


def can_see_private(user: Any, staff: Staff) -> bool:
    """Contact details and leave reasons: the person themself and their managers only."""
    me = staff_of(user)
    if me is not None and me.pk == staff.pk:
        return True
    return can_manage_unit(user, staff.home_unit_id)


def visible_staff(user: Any) -> QuerySet[Staff]:
    """Staff a user can see: their own unit's colleagues for staff (names, roles, skills —
    the serializer hides contact details), everyone in managed units otherwise."""
    level = level_of(user)
    if level is None:
        return Staff.objects.none()
    if level == Level.STAFF:
        me = staff_of(user)
        return Staff.objects.filter(home_unit=me.home_unit_id) if me else Staff.objects.none()
    return Staff.objects.filter(home_unit__in=managed_units(user))


def own_or_managed(user: Any, staff_field: str = "staff") -> Q:
    """A filter for rows that belong to a person: their own, or those of managed units."""
    me = staff_of(user)
    mine = Q(**{staff_field: me}) if me else Q(pk__in=[])
    return mine | Q(**{f"{staff_field}__home_unit__in": managed_units(user)})


def _forward(obj: Any, name: str) -> Any:
    """Follow a forward foreign key only (never a reverse manager), or None."""
    if not isinstance(obj, models.Model):
        return None
    try:
        field = obj._meta.get_field(name)
    except Exception:
        return None
    if not (field.many_to_one or field.one_to_one) or field.auto_created:
        return None
    return getattr(obj, name, None)


def place_of(obj: models.Model) -> tuple[Site | None, Unit | None]:
    """The site and unit a row belongs to, so permissions and the log follow the data."""
    unit: Unit | None = None
    if isinstance(obj, Unit):
        unit = obj
    else:
        for path in ("unit", "home_unit", "roster__unit", "staff__home_unit"):
            current: Any = obj
            for part in path.split("__"):
                current = _forward(current, part)
                if current is None:
                    break
            if isinstance(current, Unit):
                unit = current
                break
    if unit is not None:
        return unit.site, unit
    if isinstance(obj, Site):
        return obj, None
    site = _forward(obj, "site")
    return (site if isinstance(site, Site) else None), None


def can_change(user: Any, obj: models.Model) -> bool:
    """Whether ``user`` may create, change or delete ``obj``.

    Unit-scoped rows: the unit's managers and its site's coordinators. Site-scoped rows
    (shift types, site fatigue rules, the site itself): its coordinators. Network-wide
    reference data (skills, certification types, contracts, new sites): administrators.
    A person's own leave and preferences: the person too.
    """
    if level_of(user) is None:
        return False
    if is_administrator(user):
        return True
    if obj._meta.model_name in ("leave", "preference"):
        me = staff_of(user)
        owner = getattr(obj, "staff", None)
        if me is not None and isinstance(owner, Staff) and owner.pk == me.pk:
            return True
    site, unit = place_of(obj)
    if unit is not None:
        return can_manage_unit(user, unit.pk)
    if site is not None and site.pk is not None:
        return managed_sites(user).filter(pk=site.pk).exists()
    return False
