"""Backfill pages. Staff: their offers (accept or decline in one tap) and their history.
Managers and coordinators: the vacancies of their units, each one's live timeline with
its candidates, ranks, reasons and the people excluded with their rule, the unit's offer
policy and the site's ranking order, and the KPI panel. Thin: the work is in
``allocation.backfill``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from roster import access
from roster.errors import DomainError, NotAllowed
from roster.models import Site, Unit

from .backfill import kpi, offers, ranking
from .models.backfill import CRITERIA, Offer, OfferPolicy, RankingRules, Vacancy

ACTIVE = (Offer.Status.OFFERED, Offer.Status.AVAILABLE)


def _partial(request: HttpRequest, template_name: str, partial: str) -> str:
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return f"{template_name}#{partial}"
    return template_name


def visible_vacancies(user: Any) -> QuerySet[Vacancy]:
    """The vacancies of the units a user manages (coordinators: their sites' units)."""
    return Vacancy.objects.filter(unit__in=access.managed_units(user)).select_related(
        "unit__site", "shift_type", "skill", "certification_type", "filled_by")


def _require_manager(request: HttpRequest) -> None:
    if not access.managed_units(request.user).exists():
        raise PermissionDenied("Vacancies are for the managers and coordinators of their units.")


# --- staff ------------------------------------------------------------------------------

@require_safe
@login_required
def my_offers(request: HttpRequest) -> HttpResponse:
    me = access.staff_of(request.user)
    if me is None:
        raise Http404("Offers are made to staff members.")
    mine = list(Offer.objects.filter(staff=me).select_related("vacancy__unit", "vacancy__shift_type")
                .order_by("-offered_at")[:100])
    live = [o for o in mine if o.status in ACTIVE and o.vacancy.is_open]
    history = [o for o in mine if o not in live]
    return render(request, _partial(request, "allocation/backfill/my_offers.html", "offers-live"),
                  {"live": live, "history": history})


def _reply(request: HttpRequest, pk: int, accept: bool) -> HttpResponse:
    try:
        if accept:
            offer = offers.offer_accept(actor=request.user, offer_id=pk)
            if offer.status == Offer.Status.AVAILABLE:
                messages.success(request, "Thank you: the manager has been told you are available.")
            else:
                messages.success(request, f"Confirmed: you work {offers.label(offer.vacancy)}.")
        else:
            offer = offers.offer_decline(actor=request.user, offer_id=pk)
            messages.info(request, "Declined. Thank you for letting us know.")
    except NotAllowed as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("backfill-my-offers")


@require_POST
@login_required
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _reply(request, pk, True)


@require_POST
@login_required
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _reply(request, pk, False)


# --- managers ---------------------------------------------------------------------------

@require_safe
@login_required
def vacancy_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    since = timezone.now() - dt.timedelta(days=14)
    rows = list(visible_vacancies(request.user).filter(created_at__gte=since)[:200])
    open_rows = [v for v in rows if v.is_open]
    units = access.managed_units(request.user).select_related("site")
    policies = {p.unit_id: p for p in OfferPolicy.objects.filter(unit__in=units)}
    return render(request, _partial(request, "allocation/backfill/list.html", "vacancies-live"), {
        "open_rows": open_rows, "closed_rows": [v for v in rows if not v.is_open],
        "units": [(u, policies.get(u.pk)) for u in units], "kinds": OfferPolicy.Kind.choices,
        "sites": [(site, ", ".join(ranking.criteria_of(site.pk))) for site in access.managed_sites(request.user)],
        "criteria": [(c, ranking.CRITERION_LABELS[c]) for c in CRITERIA],
    })


@require_safe
@login_required
def vacancy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    v = get_object_or_404(visible_vacancies(request.user), pk=pk)
    ranked = ranking.rank(v) if v.is_open else None
    offered = {o.staff_id: o for o in v.offers.select_related("staff")}
    return render(request, _partial(request, "allocation/backfill/detail.html", "vacancy-live"), {
        "v": v, "events": list(v.events.select_related("staff")), "offers": list(offered.values()),
        "ranking": ranked, "offered": offered,
        "criteria": [(c, ranking.CRITERION_LABELS[c]) for c in ranking.criteria_of(v.unit.site_id)],
        "can_pick": v.policy == OfferPolicy.Kind.MANAGER_PICK and v.is_open,
    })


@require_POST
@login_required
def vacancy_pick(request: HttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    get_object_or_404(visible_vacancies(request.user), pk=pk)
    try:
        offer = offers.vacancy_pick(actor=request.user, offer_id=offer_pk)
        messages.success(request, f"{offer.staff} works it.")
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("backfill-detail", pk=pk)


@require_POST
@login_required
def vacancy_agency(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(visible_vacancies(request.user), pk=pk)
    try:
        offers.agency_filled(actor=request.user, vacancy_id=pk, worker_name=request.POST.get("worker_name", ""))
        messages.success(request, "Recorded: filled by the agency.")
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("backfill-detail", pk=pk)


# --- KPIs -------------------------------------------------------------------------------

class KpiForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = access.managed_units(user)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["site"].queryset = Site.objects.filter(units__in=units).distinct()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        data["end"] = data.get("end") or today
        data["start"] = data.get("start") or data["end"] - dt.timedelta(days=27)
        if data["start"] > data["end"]:
            self.add_error("start", "The period starts after it ends.")
        elif (data["end"] - data["start"]).days > 366:
            self.add_error("start", "A period is at most a year.")
        return data


@require_safe
@login_required
def kpi_panel(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = KpiForm(request.GET or None, user=request.user)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    end = data.get("end") or timezone.localdate()
    start = data.get("start") or end - dt.timedelta(days=27)
    rows = visible_vacancies(request.user)
    scope = "all your units"
    if data.get("unit"):
        rows, scope = rows.filter(unit=data["unit"]), data["unit"].name
    elif data.get("site"):
        rows, scope = rows.filter(unit__site=data["site"]), data["site"].name
    tz = timezone.get_current_timezone()
    figures = kpi.measure(rows, dt.datetime.combine(start, dt.time.min, tz),
                          dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)) if valid else None
    chart = ({"days": [d for d, _, _ in figures.per_day], "opened": [n for _, n, _ in figures.per_day],
              "filled": [n for _, _, n in figures.per_day]} if figures else None)
    return render(request, "allocation/backfill/kpi.html",
                  {"form": form, "k": figures, "scope": scope, "start": start, "end": end, "chart": chart,
                   "target": kpi.TARGET_MINUTES}, status=200 if valid else 400)


# --- rules --------------------------------------------------------------------------------

class PolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = OfferPolicy
        fields = ["kind", "top_n", "wave_size", "wave_seconds", "fill_minutes", "critical_fill_minutes",
                  "escalation_minutes"]


@require_POST
@login_required
def policy_edit(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = get_object_or_404(access.managed_units(request.user), pk=unit_pk)
    policy = OfferPolicy.objects.filter(unit=unit).first() or OfferPolicy(unit=unit)
    form = PolicyForm(request.POST, instance=policy)
    if form.is_valid():
        form.save()
        messages.success(request, f"{unit.name}: {policy.get_kind_display().lower()}.")
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
    return redirect("backfill-list")


@require_POST
@login_required
def ranking_edit(request: HttpRequest, site_pk: int) -> HttpResponse:
    site = get_object_or_404(access.managed_sites(request.user), pk=site_pk)
    chosen = [c.strip() for c in request.POST.get("criteria", "").split(",") if c.strip()]
    unknown = [c for c in chosen if c not in CRITERIA]
    if unknown or not chosen:
        messages.error(request, f"Criteria are a comma-separated order of: {', '.join(CRITERIA)}.")
    else:
        RankingRules.objects.update_or_create(site=site, defaults={"criteria": list(dict.fromkeys(chosen)),
                                                                   "updated_by": request.user})
        messages.success(request, f"{site.name}: candidates ranked by {', '.join(ranking.criteria_of(site.pk))}.")
    return redirect("backfill-list")
