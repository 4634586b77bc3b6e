"""Redeployment and mutual-aid pages. Thin: scoping from ``allocation.recommendations``
and ``allocation.mutual_aid``, writes through their functions, refusals shown as messages
naming what is wrong; the lists refresh themselves (htmx polling)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from roster import access
from roster.errors import DomainError
from roster.models import Site

from . import mutual_aid, recommendations
from .models.redeploy import MutualAidRequest, Recommendation, RedeployRun
from .redeploy_adapter import QUANTILES


def _coordinator(request: HttpRequest) -> None:
    if access.level_of(request.user) not in recommendations.DECIDERS:
        raise PermissionDenied("Redeployment is for coordinators.")


def _partial(request: HttpRequest, template: str, partial: str) -> str:
    htmx = getattr(request, "htmx", None)
    return f"{template}#{partial}" if htmx and not htmx.history_restore_request else template


def _sites(request: HttpRequest) -> list[Site]:
    return list(access.managed_sites(request.user).order_by("name"))


@require_safe
@login_required
def redeployment(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    rows = recommendations.visible_recommendations(request.user)
    proposed = list(rows.filter(status=Recommendation.Status.PROPOSED).order_by("-shadow_price", "-created_at"))
    for rec in proposed:
        rec.can_decide = recommendations.can_decide(request.user, rec)  # type: ignore[attr-defined]
    moving = list(rows.filter(status=Recommendation.Status.APPROVED).order_by("arrives_at"))
    recent = list(rows.exclude(status__in=[Recommendation.Status.PROPOSED, Recommendation.Status.APPROVED])
                  .order_by("-decided_at", "-created_at")[:20])
    sites = _sites(request)
    runs = RedeployRun.objects.exclude(status="").order_by("-started_at", "-id")
    if not access.is_network_wide(request.user):
        runs = runs.filter(site__in=sites)
    context: dict[str, Any] = {
        "proposed": proposed, "moving": moving, "recent": recent, "sites": sites,
        "network": access.is_network_wide(request.user), "quantiles": QUANTILES, "runs": list(runs[:5]),
        "now": timezone.now(),
    }
    return render(request, _partial(request, "allocation/redeploy/index.html", "live"), context)


@require_POST
@login_required
def replan_now(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    raw = request.POST.get("site", "")
    quantile = request.POST.get("quantile", "q85")
    site = None
    if raw:
        if not raw.isdigit() or len(raw) > 10:
            messages.error(request, "Choose a site to plan.")
            return redirect("redeployment")
        site = Site.objects.filter(pk=int(raw)).first()
        if site is None:
            messages.error(request, "Choose a site to plan.")
            return redirect("redeployment")
    if quantile not in QUANTILES:
        messages.error(request, "Choose the forecast quantile: median, q85 or q90.")
        return redirect("redeployment")
    if not recommendations.can_plan(request.user, site):
        messages.error(request, "You may not plan there.")
        return redirect("redeployment")
    run = recommendations.replan(site, quantile=quantile, actor=request.user, force=True)
    made = run.recommendations.count() if run else 0
    messages.success(request, f"Re-planned {site or 'the network'}: {made} new move{'s' if made != 1 else ''} "
                     "recommended." + (f" {' '.join(run.notes)}" if run and run.notes else ""))
    return redirect("redeployment")


@require_POST
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator(request)
    rec = get_object_or_404(recommendations.visible_recommendations(request.user), pk=pk)
    choice = request.POST.get("decision", "")
    if choice not in ("approve", "decline", "arrived"):
        messages.error(request, "Choose approve or decline.")
        return redirect("redeployment")
    try:
        if choice == "arrived":
            recommendations.arrived(actor=request.user, rec=rec)
            messages.success(request, f"{rec.item or rec.resource_label} arrived at {rec.destination_label}.")
        else:
            done = recommendations.decide(actor=request.user, rec=rec, approve=choice == "approve",
                                          reason=request.POST.get("reason", ""))
            if done.kind == Recommendation.Kind.STAFF and choice == "approve":
                messages.success(request, f"{done.staff} now works in {done.destination_label}; "
                                 f"{done.origin_label} is one {done.resource_label} short.")
            else:
                messages.success(request, f"Move {done.get_status_display().lower()}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("redeployment")


@require_safe
@login_required
def bottlenecks(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    report = recommendations.bottlenecks(request.user)
    chart = {"rows": [{"name": f"{r['resource']} · {r['site']}", "hours": r["hours"], "prices": r["prices"]}
                      for r in report["rows"][:8]]}
    return render(request, _partial(request, "allocation/redeploy/bottlenecks.html", "table"),
                  {"report": report, "chart": chart})


# --- mutual aid ---------------------------------------------------------------------

@require_safe
@login_required
def aid_list(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    rows = mutual_aid.visible_requests(request.user)
    context = {
        "open": list(rows.filter(status__in=mutual_aid.OPEN).order_by("-proposed_at")),
        "closed": list(rows.exclude(status__in=mutual_aid.OPEN).order_by("-proposed_at")[:20]),
        "my_sites": _sites(request), "all_sites": list(Site.objects.order_by("name")),
        "resources": mutual_aid.RESOURCES, "now": timezone.now(),
    }
    return render(request, _partial(request, "allocation/mutual_aid/list.html", "live"), context)


@require_POST
@login_required
def aid_request(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    post = request.POST
    ids = {}
    for name in ("borrower", "lender"):
        raw = post.get(name, "")
        site = Site.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) <= 10 else None
        if site is None:
            messages.error(request, f"Choose the {'borrowing' if name == 'borrower' else 'lending'} site.")
            return redirect("mutual-aid")
        ids[name] = site
    proposal = None
    raw = post.get("proposal", "")
    if raw:
        proposal = mutual_aid.visible_requests(request.user).filter(
            pk=int(raw) if raw.isdigit() and len(raw) <= 10 else 0).first()
    try:
        loan = mutual_aid.request(actor=request.user, lender=ids["lender"], borrower=ids["borrower"],
                                  resource=post.get("resource", ""), quantity=post.get("quantity"),
                                  hours=post.get("hours"), rate=post.get("rate") or 0, note=post.get("note", ""),
                                  proposal=proposal)
    except DomainError as exc:
        messages.error(request, f"{exc.field.replace('_', ' ').capitalize()}: {exc.message}")
        return redirect("mutual-aid")
    messages.success(request, f"Requested: {loan.lender} has 15 minutes to acknowledge.")
    return redirect("mutual-aid-detail", pk=loan.pk)


@require_safe
@login_required
def aid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator(request)
    loan = get_object_or_404(mutual_aid.visible_requests(request.user), pk=pk)
    lender_side = mutual_aid.coordinates(request.user, loan.lender_id)
    borrower_side = mutual_aid.coordinates(request.user, loan.site_id)
    context = {"loan": loan, "lender_side": lender_side, "borrower_side": borrower_side, "now": timezone.now(),
               "clock": {"due": loan.ack_due_at.isoformat() if loan.ack_due_at else None,
                         "waiting": loan.status == MutualAidRequest.Status.REQUESTED},
               "S": MutualAidRequest.Status}
    return render(request, _partial(request, "allocation/mutual_aid/detail.html", "live"), context)


@require_POST
@login_required
def aid_act(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator(request)
    loan = get_object_or_404(mutual_aid.visible_requests(request.user), pk=pk)
    name = request.POST.get("action", "")
    try:
        if name in mutual_aid.ACTIONS_WITH_REASON:
            mutual_aid.ACTIONS_WITH_REASON[name](actor=request.user, loan=loan, reason=request.POST.get("reason", ""))
        elif name in mutual_aid.ACTIONS:
            mutual_aid.ACTIONS[name](actor=request.user, loan=loan)
        else:
            messages.error(request, "Choose a step.")
            return redirect("mutual-aid-detail", pk=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("mutual-aid-detail", pk=pk)
