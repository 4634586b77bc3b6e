"""The swaps page: offer a shift (to a colleague, to anyone eligible, or in a trade),
answer offers, withdraw; managers approve or decline. Thin: ``roster.swaps``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from .. import access, swaps
from ..errors import DomainError, NotAllowed, RuleViolation
from ..forms import posted_choice
from ..models import Assignment
from ..records import record_update


def _fail(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, RuleViolation):
        messages.error(request, "Not possible: " + "; ".join(f"{b.label}: {b.detail}" for b in exc.breaches))
    else:
        messages.error(request, exc.message)


@require_safe
@login_required
def swap_list(request: HttpRequest) -> HttpResponse:
    me = access.staff_of(request.user)
    context: dict[str, Any] = {"me": me, "awaiting": list(swaps.awaiting_decision(request.user)),
                               "managed": list(access.managed_units(request.user).order_by("name"))}
    if me is not None:
        mine = list(swaps.my_swappable_shifts(me))
        requests = list(swaps.swaps_of(me).order_by("-created_at")[:50])
        context.update(
            mine=mine,
            # Offers waiting for my answer come first, under their own heading.
            offered_to_me=[r for r in requests if r.recipient_id == me.pk and r.status == "offered"],
            requests=[r for r in requests if not (r.recipient_id == me.pk and r.status == "offered")],
            open_offers=swaps.open_offers_for(me),
            # Shifts go like for like: a nurse's to a colleague of the same role.
            colleagues=list(access.visible_staff(request.user).filter(active=True, home_unit_id=me.home_unit_id,
                                                                      role=me.role)
                            .exclude(pk=me.pk).order_by("last_name", "first_name")),
            **_trades(request, me, mine),
        )
    return render(request, "roster/swaps/list.html", context)


TRADE_DAYS = 56  # how far ahead the shifts to trade for are listed


def _trades(request: HttpRequest, me: Any, mine: list[Assignment]) -> dict[str, Any]:
    """The colleagues' shifts she could take in return for the shift chosen in
    ``?assignment=`` (else her first), found by ``?q=``."""
    chosen = request.GET.get("assignment", "")
    given = next((a for a in mine if str(a.pk) == chosen), mine[0] if mine else None)
    search = request.GET.get("q", "")[: swaps.TRADE_SEARCH_MAX]
    return {"given": given, "search": search,
            "tradeable": swaps.trade_options(me, given, until=timezone.localdate() + dt.timedelta(days=TRADE_DAYS),
                                             search=search)}


@require_safe
@login_required
def swap_trades(request: HttpRequest) -> HttpResponse:
    """The list of shifts to trade for, redrawn as she picks her shift or searches."""
    me = access.staff_of(request.user)
    if me is None:
        raise PermissionDenied("Only staff with a roster can swap shifts.")
    return render(request, "roster/swaps/list.html#trade-choices",
                  {"me": me, **_trades(request, me, list(swaps.my_swappable_shifts(me)))})


def _posted_pk(request: HttpRequest, name: str) -> int:
    """The id posted as ``name``; 0 (no row) when it is missing or not a whole number."""
    value = request.POST.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else 0


@require_POST
@login_required
def swap_offer(request: HttpRequest) -> HttpResponse:
    me = access.staff_of(request.user)
    if me is None:
        raise PermissionDenied("Only staff with a roster can swap shifts.")
    given = Assignment.objects.filter(pk=_posted_pk(request, "assignment"), staff=me).first()
    if given is None:
        messages.error(request, "Choose one of your own shifts to offer.")
        return redirect("swaps")
    mode = request.POST.get("mode", "colleague")
    recipient = counter = None
    if mode == "colleague":
        recipient = access.visible_staff(request.user).filter(pk=_posted_pk(request, "recipient")).first()
        if recipient is None:
            messages.error(request, "Choose the colleague to offer the shift to.")
            return redirect("swaps")
    elif mode == "trade":
        counter = swaps.tradeable_shifts(me, until=timezone.localdate() + dt.timedelta(days=365)).filter(
            pk=_posted_pk(request, "counter_assignment")).first()
        if counter is None:
            messages.error(request, "Choose the colleague's shift you would take in return.")
            return redirect("swaps")
    try:
        swaps.swap_offer(actor=request.user, assignment=given, recipient=recipient, counter_assignment=counter,
                         note=request.POST.get("note", ""))
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, "Offered. You will be told when it is answered.")
    return redirect("swaps")


def _act(request: HttpRequest, pk: int, do: Any, done: str) -> HttpResponse:
    swap = get_object_or_404(swaps.visible_swaps(request.user), pk=pk)
    try:
        do(swap)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, done)
    return redirect("swaps")


@require_POST
@login_required
def swap_respond(request: HttpRequest, pk: int) -> HttpResponse:
    accept = posted_choice(request.POST, "answer", "accept", "decline")
    if accept is None:
        messages.error(request, "Choose Accept or Decline.")
        return redirect("swaps")
    return _act(request, pk, lambda s: swaps.swap_respond(actor=request.user, swap=s, accept=accept),
                "Accepted: a manager will decide." if accept else "Declined.")


@require_POST
@login_required
def swap_decide(request: HttpRequest, pk: int) -> HttpResponse:
    approve = posted_choice(request.POST, "decision", "approve", "decline")
    if approve is None:
        messages.error(request, "Choose Approve or Decline.")
        return redirect("swaps")
    return _act(request, pk, lambda s: swaps.swap_decide(actor=request.user, swap=s, approve=approve,
                                                         note=request.POST.get("note", "")[:500]),
                "Approved: the shifts have changed hands." if approve else "Declined.")


@require_POST
@login_required
def swap_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda s: swaps.swap_cancel(actor=request.user, swap=s), "Withdrawn.")


@require_POST
@login_required
def unit_auto_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's managers choose whether swaps that pass every rule are approved at once."""
    unit = get_object_or_404(access.managed_units(request.user), pk=pk)
    on = request.POST.get("auto_approve") == "on"
    try:
        record_update(actor=request.user, instance=unit, data={"auto_approve_swaps": on})
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, f"{unit.name}: swaps that pass every rule are "
                              f"{'approved automatically' if on else 'approved by a manager'}.")
    return redirect("swaps")


urlpatterns: list[URLPattern | URLResolver] = [
    path("swaps/units/<int:pk>/auto-approve/", unit_auto_approve, name="swap-auto-approve"),
    path("swaps/", swap_list, name="swaps"),
    path("swaps/offer/", swap_offer, name="swap-offer"),
    path("swaps/trades/", swap_trades, name="swap-trades"),
    path("swaps/<int:pk>/respond/", swap_respond, name="swap-respond"),
    path("swaps/<int:pk>/decide/", swap_decide, name="swap-decide"),
    path("swaps/<int:pk>/cancel/", swap_cancel, name="swap-cancel"),
]
