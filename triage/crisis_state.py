"""Where each site (and the network) stands: its crisis level, who holds its crisis
positions now, and who may read it. Read by escalation, playbooks and situation reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from roster import access
from roster.models import Site

from .escalation_rules import MAJOR, NORMAL, authority_for, may_confirm
from .models import CrisisPosition, CrisisState, EscalationProposal

# --- positions ---------------------------------------------------------------------------

def on_duty(site: Site | None, now: dt.datetime | None = None) -> QuerySet[CrisisPosition]:
    """Who holds a crisis position at ``site`` (None: the network) now."""
    now = now or timezone.now()
    return (CrisisPosition.objects.filter(site=site, starts_at__lte=now)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)).select_related("user"))


def positions_held(user: Any, site: Site | None, now: dt.datetime | None = None) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(on_duty(site, now).filter(user=user).values_list("position", flat=True))


def may_decide(user: Any, proposal: EscalationProposal, now: dt.datetime | None = None) -> bool:
    return may_confirm(positions_held(user, proposal.site, now), proposal.authority)


def may_declare(user: Any, site: Site | None, from_level: int, to_level: int, now: dt.datetime | None = None) -> bool:
    return may_confirm(positions_held(user, site, now), authority_for(from_level, to_level))


def holders(site: Site | None, authority: str, now: dt.datetime | None = None) -> list[Any]:
    """The people on duty who may decide a step needing ``authority`` (the position or
    higher), each once."""
    users: dict[int, Any] = {}
    for held in on_duty(site, now):
        if may_confirm([held.position], authority):
            users.setdefault(held.user_id, held.user)
    return list(users.values())


# --- state -------------------------------------------------------------------------------

def state_of(site: Site | None) -> CrisisState:
    found = CrisisState.objects.filter(site=site).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return CrisisState.objects.create(site=site)
    except IntegrityError:  # created at the same moment by another writer
        return CrisisState.objects.get(site=site)


def levels_of(site_ids: Sequence[int]) -> dict[int, int]:
    found = dict(CrisisState.objects.filter(site_id__in=site_ids).values_list("site_id", "level"))
    return {s: found.get(s, NORMAL) for s in site_ids}


def network_level() -> int:
    row = CrisisState.objects.filter(site__isnull=True).first()
    return row.level if row else NORMAL


def sees_crisis(user: Any, site: Site | None) -> bool:
    """Everyone with a role at the site reads its level, proposals and situation reports;
    the network's, coordinators network-wide and whoever holds a network position."""
    if access.level_of(user) is None:
        return False
    if access.is_network_wide(user):
        return True
    if site is None:
        return CrisisPosition.objects.filter(user=user, site__isnull=True).exists()
    return (access.managed_sites(user).filter(pk=site.pk).exists()
            or access.visible_units(user).filter(site=site).exists()
            or CrisisPosition.objects.filter(user=user, site=site).exists())


def visible_sites(user: Any) -> QuerySet[Site]:
    if access.level_of(user) is None:
        return Site.objects.none()
    if access.is_network_wide(user):
        return Site.objects.all()
    return Site.objects.filter(
        Q(pk__in=access.managed_sites(user)) | Q(pk__in=access.visible_units(user).values("site"))
        | Q(pk__in=CrisisPosition.objects.filter(user=user).values("site"))
    ).distinct()



def expectant_allowed(incident: Any) -> bool:
    """Whether triage may use P5, expectant, at ``incident``: while its site is at crisis
    level 4 (major incident) or above, or its commander has declared crisis standards of
    care for it."""
    if incident.crisis_standards:
        return True
    return bool(CrisisState.objects.filter(site_id=incident.site_id, level__gte=MAJOR).exists())
