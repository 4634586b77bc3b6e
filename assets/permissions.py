"""Who sees and changes which equipment, decided in querysets (lists and creation are
scoped as well as single items), on top of ``roster.access``.

- Staff see the equipment located in their own unit and may scan a label (record where
  an item was seen); they change nothing else.
- Unit managers see and act on the equipment located in the units they manage.
- Site coordinators see and act on every item at their sites, the site's store included
  (items with no unit), and handle the site's maintenance: they are the ones told when a
  work order opens.
- Regional coordinators and administrators see and act on every item of the network;
  they alone open recall campaigns (a recall pulls a model across every site), and only
  administrators change asset types (reference data, like certification types).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from roster import access
from roster.models import Unit

from .models import Item, WorkOrder


def visible_items(user: Any) -> QuerySet[Item]:
    level = access.level_of(user)
    if level is None:
        return Item.objects.none()
    if access.is_network_wide(user):
        return Item.objects.all()
    return Item.objects.filter(Q(unit__in=access.visible_units(user)) | Q(site__in=access.managed_sites(user)))


def actionable_items(user: Any) -> QuerySet[Item]:
    """Items ``user`` may check out, check in, move through their lifecycle and maintain."""
    level = access.level_of(user)
    if level in (None, access.Level.STAFF):
        return Item.objects.none()
    if access.is_network_wide(user):
        return Item.objects.all()
    return Item.objects.filter(Q(unit__in=access.managed_units(user)) | Q(site__in=access.managed_sites(user)))


def can_act(user: Any, item: Item) -> bool:
    """``user`` None is the system itself (the maintenance scan), which may always act."""
    if user is None:
        return True
    return actionable_items(user).filter(pk=item.pk).exists()


def destination_units(user: Any) -> QuerySet[Unit]:
    """Units ``user`` may send an item to: the ones they manage."""
    return access.managed_units(user)


def visible_work_orders(user: Any) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(item__in=visible_items(user))


def can_recall(user: Any) -> bool:
    return access.is_network_wide(user)


def can_scan(user: Any) -> bool:
    return access.level_of(user) is not None
