"""Open-shift pages: staff see the shifts they could take and claim one; managers post
and withdraw their units' open shifts. Thin: the rules are in ``roster.marketplace``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from .. import access, marketplace
from ..errors import DomainError, NotAllowed, RuleViolation
from ..forms import date_input
from ..models import OpenShift, Roster, ShiftType
from ..timeutil import validate_day


class PostForm(forms.Form):
    roster = forms.ModelChoiceField(queryset=Roster.objects.none(), label="Published roster")
    date = forms.DateField(validators=[validate_day], widget=date_input())
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none(), label="Shift")
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = access.managed_units(user)
        self.fields["roster"].queryset = Roster.objects.filter(  # type: ignore[attr-defined]
            unit__in=units, status=Roster.Status.PUBLISHED, end_date__gte=timezone.localdate()
        ).select_related("unit")
        self.fields["shift_type"].queryset = ShiftType.objects.filter(  # type: ignore[attr-defined]
            site__units__in=units
        ).distinct()


def _context(request: HttpRequest, form: PostForm | None = None) -> dict[str, Any]:
    me = access.staff_of(request.user)
    managed = access.managed_units(request.user).exists()
    today = timezone.localdate()
    visible = list(marketplace.visible_open_shifts(request.user).filter(date__gte=today - dt.timedelta(days=7)))
    eligible = {s.pk for s in marketplace.eligible_open_shifts(me)} if me is not None else set()
    rows = []
    for shift in visible:
        reasons: list[str] = []
        if me is not None and shift.status == OpenShift.Status.OPEN and shift.pk not in eligible:
            reasons = [f"{b.label}: {b.detail}" for b in marketplace.why_not(me, shift)]
        rows.append({"shift": shift, "can_claim": shift.pk in eligible, "reasons": reasons,
                     "mine": me is not None and shift.claimed_by_id == me.pk,
                     "can_manage": access.can_manage_unit(request.user, shift.roster.unit_id)})
    if managed and form is None:
        form = PostForm(user=request.user)
    return {"rows": rows, "form": form, "is_staff_member": me is not None}


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def open_shift_list(request: HttpRequest) -> HttpResponse:
    form = None
    if request.method == "POST":
        form = PostForm(request.POST, user=request.user)
        if not access.managed_units(request.user).exists():
            raise PermissionDenied("Only managers post open shifts.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                marketplace.open_shift_post(actor=request.user, roster=data["roster"], day=data["date"],
                                            shift_type=data["shift_type"], note=data["note"])
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "The shift is offered to everyone eligible.")
                return redirect("open-shift-list")
    return render(request, "roster/open_shifts/list.html", _context(request, form),
                  status=400 if form is not None and form.errors else 200)


def _act(request: HttpRequest, pk: int, do: Callable[[OpenShift], object], done: Callable[[OpenShift], str],
         refused: str = "") -> HttpResponse:
    """Run one marketplace action on a visible open shift and say how it went."""
    shift = get_object_or_404(marketplace.visible_open_shifts(request.user), pk=pk)
    try:
        do(shift)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except RuleViolation as exc:
        messages.error(request, refused + "; ".join(b.detail for b in exc.breaches))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done(shift))
    return redirect("open-shift-list")


@require_POST
@login_required
def open_shift_claim(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda s: marketplace.open_shift_claim(actor=request.user, open_shift=s),
                lambda s: f"The {s.shift_type.code} shift on {s.date:%a %d %b} is yours.",
                refused="You cannot take this shift: ")


@require_POST
@login_required
def open_shift_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda s: marketplace.open_shift_withdraw(actor=request.user, open_shift=s),
                lambda s: "The shift is no longer offered.")


urlpatterns: list[URLPattern | URLResolver] = [
    path("open-shifts/", open_shift_list, name="open-shift-list"),
    path("open-shifts/<int:pk>/claim/", open_shift_claim, name="open-shift-claim"),
    path("open-shifts/<int:pk>/withdraw/", open_shift_withdraw, name="open-shift-withdraw"),
]
