"""Crisis pages: the levels of the network and its sites, proposals to confirm or
decline, declarations by hand, playbook checklists, situation reports and the timeline.
Thin: scoping from ``triage.crisis_state``, writes through ``triage.escalation``,
``triage.playbooks`` and ``triage.sitrep``; refusals shown as messages naming what is
wrong. The live part of each page is a partial that htmx polls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from roster.errors import DomainError
from roster.models import Site

from . import escalation, playbooks, sitrep
from .crisis_state import (
    levels_of,
    may_decide,
    network_level,
    on_duty,
    sees_crisis,
    state_of,
    visible_sites,
)
from .escalation_rules import LEVELS, MEANING, POSITIONS, level_name
from .models import EscalationProposal, LevelChange, PlaybookTask, SituationReport
from .timeline import timeline


def _partial(request: HttpRequest, template_name: str, partial: str) -> str:
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return f"{template_name}#{partial}"
    return template_name


def _site(request: HttpRequest, pk: int | None) -> Site | None:
    site = get_object_or_404(Site, pk=pk) if pk is not None else None
    if not sees_crisis(request.user, site):
        raise Http404("No such site.")
    return site


def _indicator_rows(figures: Any) -> list[tuple[str, str]]:
    ind = figures.indicators
    now = ind.current
    rows = [
        ("Utilization now", "no data" if now is None else ("no staffed bed" if now == float("inf") else f"{now:.0f} %")),
        ("Patients / staffed beds", f"{figures.census} / {figures.staffed_beds}"),
        ("Demand against forecast", "no forecast" if ind.demand_excess is None else f"{ind.demand_excess:+.0%}"),
        ("Forecast peak, next 12 h", "no forecast" if ind.forecast_peak is None else f"{ind.forecast_peak:.0f} %"),
        ("Unfilled critical vacancies", str(ind.unfilled_critical)),
        ("Equipment ready", "no equipment" if ind.equipment_ready_share is None
         else f"{ind.equipment_ready_share:.0%}"),
        ("Mutual aid", ind.mutual_aid or "none"),
    ]
    return rows


def _context(request: HttpRequest, site: Site | None) -> dict[str, Any]:
    now = timezone.now()
    level = levels_of([site.pk])[site.pk] if site else network_level()
    pending = EscalationProposal.objects.filter(site=site, status=EscalationProposal.Status.PENDING).first()
    last_change = LevelChange.objects.filter(site=site).first()
    ctx: dict[str, Any] = {
        "site": site, "place": site.name if site else "The network", "level": level,
        "level_name": level_name(level), "meaning": MEANING[level], "since": state_of(site).since,
        "pending": pending, "may_decide": bool(pending and may_decide(request.user, pending, now)),
        "on_duty": [(POSITIONS[p.position], p) for p in on_duty(site, now)],
        "levels": [(n, level_name(n)) for n in LEVELS if n != level],
        "tasks": list(last_change.tasks.all()) if last_change and last_change.to_level > last_change.from_level
        else [],
        "last_change": last_change, "task_states": PlaybookTask.Status.choices,
        "reports": SituationReport.objects.filter(site=site).select_related("issued_by")[:10],
        "may_issue": sitrep.may_issue(request.user, site),
        "events": timeline(site, since=now - dt.timedelta(days=7))[:60],
    }
    if site is not None:
        figures = escalation.figures_of([site.pk], now)[site.pk]
        ctx["indicators"] = _indicator_rows(figures)
    return ctx


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    sites = list(visible_sites(request.user).order_by("name"))
    if not sites and not sees_crisis(request.user, None):
        raise PermissionDenied("Crisis levels are for the people of a site.")
    now = timezone.now()
    levels = levels_of([s.pk for s in sites])
    figures = escalation.figures_of([s.pk for s in sites], now) if sites else {}
    pending = {p.site_id: p for p in EscalationProposal.objects.filter(status=EscalationProposal.Status.PENDING)}
    cards = [{"site": s, "level": levels[s.pk], "level_name": level_name(levels[s.pk]),
              "pending": pending.get(s.pk), "indicators": _indicator_rows(figures[s.pk])[:3]} for s in sites]
    network = network_level()
    ctx = {"cards": cards, "network_level": network, "network_name": level_name(network),
           "network_pending": pending.get(None), "sees_network": sees_crisis(request.user, None)}
    return render(request, _partial(request, "triage/crisis/overview.html", "crisis-live"), ctx)


@require_safe
@login_required
def site_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    site = _site(request, pk)
    ctx = _context(request, site)
    ctx["chart"] = level_series(site)
    return render(request, _partial(request, "triage/crisis/site.html", "site-live"), ctx)


def level_series(site: Site | None, days: int = 7) -> dict[str, Any]:
    """The level over the last days, as step points for the chart."""
    now = timezone.now()
    since = now - dt.timedelta(days=days)
    changes = list(LevelChange.objects.filter(site=site, at__gte=since).order_by("at"))
    before = LevelChange.objects.filter(site=site, at__lt=since).order_by("-at").first()
    start_level = before.to_level if before else (changes[0].from_level if changes else state_of(site).level)
    points = [[since.isoformat(), start_level]] + [[c.at.isoformat(), c.to_level] for c in changes]
    points.append([now.isoformat(), state_of(site).level])
    return {"points": points, "names": {str(k): v for k, v in LEVELS.items()}}


def _back(site: Site | None) -> HttpResponse:
    return redirect("crisis:site", pk=site.pk) if site else redirect("crisis:network")


@require_POST
@login_required
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(EscalationProposal.objects.select_related("site"), pk=pk)
    _site(request, proposal.site_id)
    choice = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")
    try:
        if choice == "confirm":
            escalation.proposal_confirm(actor=request.user, proposal=proposal, reason=reason)
            messages.success(request, f"Level {level_name(proposal.to_level)} confirmed.")
        elif choice == "decline":
            escalation.proposal_decline(actor=request.user, proposal=proposal, reason=reason)
            messages.success(request, "Proposal declined.")
        else:
            messages.error(request, "Decision: choose confirm or decline.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(proposal.site)


@require_POST
@login_required
def declare(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    site = _site(request, pk)
    try:
        level = int(request.POST.get("level", ""))
    except ValueError:
        messages.error(request, "Level: choose a level from 1 to 5.")
        return _back(site)
    try:
        escalation.level_declare(actor=request.user, site=site, level=level, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Level {level_name(level)} declared.")
    return _back(site)


@require_POST
@login_required
def task_update(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(PlaybookTask.objects.select_related("change__site"), pk=pk)
    site = task.change.site
    _site(request, site.pk if site else None)
    if not (sitrep.may_issue(request.user, site)):
        raise PermissionDenied("The site's crisis positions and coordinators tick its playbook.")
    try:
        playbooks.task_update(actor=request.user, task=task, status=request.POST.get("status", ""),
                              note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(site)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def sitrep_new(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    site = _site(request, pk)
    if not sitrep.may_issue(request.user, site):
        raise PermissionDenied("The site's crisis positions and coordinators issue its situation reports.")
    if request.method == "POST":
        when = parse_datetime(request.POST.get("next_update_at", "") or "")
        if when is not None and timezone.is_naive(when):
            when = timezone.make_aware(when)
        if when is None:
            messages.error(request, "Next update: give a date and time.")
        else:
            reported = {s: request.POST.get(f"facility-{i}", sitrep.FULL) for i, s in enumerate(sitrep.REPORTED_SYSTEMS)}
            notes = {s: request.POST.get(f"note-{i}", "") for i, s in enumerate(sitrep.REPORTED_SYSTEMS)}
            try:
                report = sitrep.sitrep_issue(actor=request.user, site=site, situation=request.POST.get("situation", ""),
                                             next_update_at=when, reported=reported, notes=notes)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Situation report {report.version} issued.")
                return redirect("crisis:sitrep", pk=report.pk)
    draft = sitrep.draft(site)
    ctx = {"site": site, "place": site.name if site else "The network", "draft": draft,
           "level_name": level_name(draft.level), "systems": list(enumerate(sitrep.REPORTED_SYSTEMS)),
           "states": list(sitrep.FACILITY_STATES.items()),
           "next_default": timezone.localtime(timezone.now() + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
           "situation": request.POST.get("situation", "")}
    return render(request, "triage/crisis/sitrep_form.html", ctx)


def _report(request: HttpRequest, pk: int) -> SituationReport:
    report = get_object_or_404(SituationReport.objects.select_related("site", "issued_by"), pk=pk)
    _site(request, report.site_id)
    return report


@require_safe
@login_required
def sitrep_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return render(request, "triage/crisis/sitrep_detail.html", {
        "report": report, "place": report.site.name if report.site else "The network",
        "level_name": level_name(report.level), "states": sitrep.FACILITY_STATES,
    })


@require_safe
@login_required
def sitrep_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    response = HttpResponse(sitrep.pdf(report), content_type="application/pdf")
    place = (report.site.name if report.site else "network").lower().replace(" ", "-")
    response["Content-Disposition"] = f'attachment; filename="sitrep-{place}-{report.version}.pdf"'
    return response
