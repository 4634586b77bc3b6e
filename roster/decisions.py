"""Deciding a request: the state change every decision makes, written once.

Leave, preferences, swaps and open shifts are each decided by someone: approved,
declined, withdrawn, claimed. Every such decision sets the status, stamps who and when
(where the row keeps them), saves, and writes its audit row in the same transaction —
:func:`decide` does exactly that. :func:`refuse_own` is the rule that nobody decides a
request of their own.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from .access import staff_of
from .audit import audit_record, snapshot
from .errors import NotAllowed
from .models import Staff


def refuse_own(actor: Any, *people: Staff | None, what: str, field: str) -> None:
    """Nobody decides their own request (or one they are part of): another manager
    must, so every approval is a second person's judgement."""
    me = staff_of(actor)
    if me is not None and any(p is not None and p.pk == me.pk for p in people):
        raise NotAllowed(f"You cannot decide on {what} of your own: another manager must.", field=field)


_ACTOR: Any = object()  # ``by`` left out: the actor decided


def decide(
    obj: models.Model,
    *,
    actor: Any,
    status: str,
    action: str,
    by: Any = _ACTOR,
    note: str = "",
    rationale: str | None = None,
    stamp: tuple[str, str] = ("decided_by", "decided_at"),
    also: dict[str, Any] | None = None,
) -> None:
    """Set ``obj``'s status and stamp who (``by``: the actor unless told, ``None`` for
    a decision the rules took automatically) and when in the
    fields ``stamp`` names (where the model has them), keep ``note`` as the decision
    note where the model keeps one, set ``also``, save, and audit it as ``action`` in
    the caller's transaction (with ``rationale``, else the note)."""
    before = snapshot(obj)
    names = {f.name for f in obj._meta.fields}
    values: dict[str, Any] = {"status": status, **(also or {})}
    who, when = stamp
    if who in names:
        values[who] = actor if by is _ACTOR else by
    if when in names:
        values[when] = timezone.now()
    if note and "decision_note" in names:
        values["decision_note"] = note.strip()[:500]
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(values))
    audit_record(actor=actor, action=action, obj=obj, before=before, after=snapshot(obj),
                 rationale=note if rationale is None else rationale)
