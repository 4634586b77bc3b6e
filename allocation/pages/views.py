"""The coordinators' pages: the multi-site status board and the site and unit detail
behind it. Thin: what they show is computed in ``allocation.board_view``; who sees what
in ``allocation.access`` (staff see none of it). Each page's live part is one partial
that htmx polls."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from roster.models import Site

from ..access import live_units, sees_live_operations
from ..board_view import board_for, site_detail, unit_detail


def _partial(request: HttpRequest, template_name: str, partial: str) -> str:
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return f"{template_name}#{partial}"
    return template_name


def _reader(request: HttpRequest) -> None:
    if not sees_live_operations(request.user):
        raise PermissionDenied("Live operations are for unit managers and coordinators.")


@require_safe
@login_required
def status_board(request: HttpRequest) -> HttpResponse:
    _reader(request)
    return render(request, _partial(request, "allocation/board.html", "board-live"),
                  {"board": board_for(request.user)})


@require_safe
@login_required
def site_page(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    site = get_object_or_404(Site, pk=pk)
    if not live_units(request.user).filter(site=site).exists():
        raise Http404("No site you read has this id.")
    detail = site_detail(request.user, site)
    return render(request, _partial(request, "allocation/site.html", "detail-live"),
                  {"site": site, "detail": detail})


@require_safe
@login_required
def unit_page(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    unit = get_object_or_404(live_units(request.user).select_related("site"), pk=pk)
    detail = unit_detail(unit)
    return render(request, _partial(request, "allocation/unit.html", "detail-live"),
                  {"unit": unit, "site": unit.site, "detail": detail, "status": detail.units[0]})



