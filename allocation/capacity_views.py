"""Pages of the capacity assessment: /operations/capacity/ (the facilities the user may
assess) and /operations/capacity/<site id>/ (the assessment, live, printable, and as a
CSV download). Who sees what is ``allocation.access``: a coordinator assesses their sites
whole, a unit manager their own units of a site, staff none of it."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from roster.models import Site, Unit

from .access import live_sites, live_units, sees_live_operations
from .capacity import DEFAULT_QUANTILE, QUANTILES, Assessment, as_rows, assess

REFRESH_SECONDS = 60


def assessable_sites(user: Any) -> QuerySet[Site]:
    """The sites ``user`` may assess: whole for a coordinator, in part for a unit manager."""
    return Site.objects.filter(pk__in=live_sites(user).values("pk")) | Site.objects.filter(
        pk__in=live_units(user).values("site"))


def assessment_for(user: Any, site_id: int, *, quantile: str = DEFAULT_QUANTILE) -> Assessment:
    """The assessment of ``site_id`` as ``user`` may see it: the whole site for those who
    read its totals, otherwise the units of it they read. PermissionDenied for those who
    see no live operations; Http404 for a site they see nothing of."""
    if not sees_live_operations(user):
        raise PermissionDenied("Capacity assessments are for unit managers, coordinators and administrators.")
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise Http404("No such site.")
    if live_sites(user).filter(pk=site.pk).exists():
        units, scope = Unit.objects.filter(site=site), "site"
    else:
        units, scope = live_units(user).filter(site=site), "units"
    unit_list = list(units.select_related("site").order_by("name"))
    if not unit_list:
        raise Http404("No such site.")
    return assess(site, unit_list, quantile=quantile, user=user, scope=scope)


def _quantile(request: HttpRequest) -> str:
    raw = request.GET.get("quantile", DEFAULT_QUANTILE)
    if raw not in QUANTILES:
        messages.error(request, f"Quantile: one of {', '.join(QUANTILES)}; the 90th percentile is shown.")
        return DEFAULT_QUANTILE
    return raw


@login_required
@require_GET
def capacity_index(request: HttpRequest) -> HttpResponse:
    if not sees_live_operations(request.user):
        raise PermissionDenied("Capacity assessments are for unit managers, coordinators and administrators.")
    return render(request, "allocation/capacity_index.html",
                  {"sites": assessable_sites(request.user).distinct().order_by("name")})


@login_required
@require_GET
def capacity_page(request: HttpRequest, site_id: int) -> HttpResponse:
    quantile = _quantile(request)
    assessment = assessment_for(request.user, site_id, quantile=quantile)
    template = "allocation/capacity.html"
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        template += "#capacity-live"
    return render(request, template, {
        "a": assessment, "quantiles": list(QUANTILES), "refresh": REFRESH_SECONDS,
        "current_staff": [line for line in assessment.current if line.kind == "staff"],
        "current_beds": [line for line in assessment.current if line.kind == "beds"],
        "current_equipment": [line for line in assessment.current if line.kind == "equipment"],
    })


@login_required
@require_GET
def capacity_csv(request: HttpRequest, site_id: int) -> HttpResponse:
    quantile = request.GET.get("quantile", DEFAULT_QUANTILE)
    if quantile not in QUANTILES:
        return HttpResponse(f"quantile: one of {', '.join(QUANTILES)}.", status=400, content_type="text/plain")
    assessment = assessment_for(request.user, site_id, quantile=quantile)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = assessment.at.strftime("%Y%m%dT%H%MZ")
    response["Content-Disposition"] = f'attachment; filename="capacity-{assessment.site_id}-{stamp}.csv"'
    writer = csv.writer(response)
    for row in as_rows(assessment):
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow([f"'{c}" if c[:1] in ("=", "+", "-", "@") and not _number(c) else c for c in row])
    return response


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
