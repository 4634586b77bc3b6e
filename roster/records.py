"""Writes to plain records (reference data and rules), and what saving one means.

Every function is atomic, takes the acting user as a required keyword, checks that the
user may make the change and records an AuditEvent in the same transaction. The API,
the admin and the management commands all call these.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from .absence import release_departure
from .access import can_change
from .audit import audit_record, snapshot
from .errors import Conflict, DomainError, NotAllowed
from .marketplace import cover_changed
from .models import (
    CoverageRequirement,
    Staff,
)

M = TypeVar("M", bound=models.Model)


def validation_to_domain(exc: ValidationError) -> DomainError:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return DomainError(" ".join(e.messages[0] for e in errors), field=field)
    return DomainError(" ".join(exc.messages))


def save_checked(obj: models.Model, *, exclude: list[str] | None = None) -> None:
    """Validate then save; constraint failures become domain errors naming the field."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise validation_to_domain(exc) from exc
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(f"This change conflicts with existing data: {exc.args[0]}".splitlines()[0]) from exc


def _hand_over_cross_training(obj: models.Model, m2m: dict[str, Any]) -> None:
    """Let a person's validation see the cross-training about to be saved with them."""
    if isinstance(obj, Staff) and "cross_trained_units" in m2m:
        obj.__dict__["pending_cross_trained"] = {getattr(u, "pk", u) for u in m2m["cross_trained_units"]}
        obj.__dict__.pop("_cross_trained_ids", None)


@transaction.atomic
def record_create(*, actor: Any, model: type[M], data: dict[str, Any]) -> M:
    """Create one row of ``model`` from validated ``data``; many-to-many values allowed."""
    m2m = {f.name: data.pop(f.name) for f in model._meta.many_to_many if f.name in data}
    obj = model(**data)
    _hand_over_cross_training(obj, m2m)
    if not can_change(actor, obj):
        raise NotAllowed(f"You may not create this {model._meta.verbose_name}.")
    save_checked(obj)
    for name, values in m2m.items():
        getattr(obj, name).set(values)
    audit_record(actor=actor, action="create", obj=obj, after=snapshot(obj))
    record_saved(actor=actor, obj=obj, before=None)
    return obj


def record_saved(*, actor: Any, obj: models.Model, before: dict[str, Any] | None) -> None:
    """What saving a plain record means for the rosters, however it was saved (the API's
    ``record_create``/``record_update``, or the admin): someone marked as no longer active
    comes off every roster in use from today on; a cover minimum set or changed after
    publication is offered or withdrawn at once. Call in the saving transaction, holding
    the row's lock; ``before`` is the row as it was (None when created)."""
    if isinstance(obj, Staff) and before is not None and before.get("active") and not obj.active:

        release_departure(actor=actor, staff=obj)
    if isinstance(obj, CoverageRequirement):

        cover_changed(actor=actor, requirement=obj)


@transaction.atomic
def record_update(*, actor: Any, instance: M, data: dict[str, Any]) -> M:
    model = type(instance)
    obj: M = model._default_manager.select_for_update().get(pk=instance.pk)
    if not can_change(actor, obj):
        raise NotAllowed(f"You may not change this {model._meta.verbose_name}.")
    before = snapshot(obj)
    m2m = {f.name: data.pop(f.name) for f in model._meta.many_to_many if f.name in data}
    for key, value in data.items():
        setattr(obj, key, value)
    # Moving a row must keep it inside the user's scope, too.
    if not can_change(actor, obj):
        raise NotAllowed(f"You may not move this {model._meta.verbose_name} there.")
    _hand_over_cross_training(obj, m2m)
    save_checked(obj)
    for name, values in m2m.items():
        getattr(obj, name).set(values)
    audit_record(actor=actor, action="update", obj=obj, before=before, after=snapshot(obj))
    record_saved(actor=actor, obj=obj, before=before)
    return obj


@transaction.atomic
def record_delete(*, actor: Any, instance: models.Model) -> None:
    if not can_change(actor, instance):
        raise NotAllowed(f"You may not delete this {instance._meta.verbose_name}.")
    before = snapshot(instance)
    audit_record(actor=actor, action="delete", obj=instance, before=before)
    try:
        with transaction.atomic():
            instance.delete()
    except models.ProtectedError as exc:
        raise Conflict(f"This {instance._meta.verbose_name} is still in use and cannot be deleted.") from exc
