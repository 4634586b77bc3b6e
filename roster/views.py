"""The pages. Thin: scoping comes from ``roster.access`` (through ``roster.selectors``),
and every list view serves both the full page and, for htmx, only its table partial."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from . import access, selectors
from .forms import AuditFilterForm, CertificationFilterForm, StaffFilterForm

STAFF_PAGE_SIZE = 25
CERTIFICATION_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50


def _partial(request: HttpRequest, template_name: str, partial: str) -> str:
    """The whole page, or only ``partial`` when htmx asks for a fragment.

    A history restore (the page was not in htmx's cache) needs the whole page.
    """
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return f"{template_name}#{partial}"
    return template_name


def _require_manager(request: HttpRequest) -> None:
    """Certifications and the audit log are for unit managers and up."""
    if access.level_of(request.user) in (None, access.Level.STAFF):
        raise PermissionDenied("Unit managers and coordinators only.")


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    board = selectors.dashboard(request.user, today=timezone.localdate())
    return render(request, "roster/home.html", {"board": board, "today": timezone.localdate()})


@require_safe
@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    units = selectors.unit_list(request.user)
    return render(request, "roster/unit_list.html", {"units": units})


@require_safe
@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(selectors.unit_detail(request.user), pk=pk)
    staff = selectors.staff_list(request.user).filter(home_unit=unit)
    return render(
        request,
        "roster/unit_detail.html",
        {
            "unit": unit,
            "staff": staff,
            "fatigue": selectors.fatigue_in_force(unit),
            "can_manage": access.can_manage_unit(request.user, unit.pk),
        },
    )


@require_safe
@login_required
@vary_on_headers("HX-Request")
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffFilterForm(request.GET, user=request.user)
    valid = form.is_valid()
    staff = form.filter(selectors.staff_list(request.user)) if valid else selectors.staff_list(request.user).none()
    page = Paginator(staff, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        _partial(request, "roster/staff_list.html", "staff-table"),
        {"form": form, "page": page},
        status=200 if valid else 400,
    )


@require_safe
@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(selectors.staff_detail(request.user), pk=pk)
    private = access.can_see_private(request.user, person)
    return render(
        request,
        "roster/staff_detail.html",
        {
            "person": person,
            "private": private,
            # Leave (and its reasons) is private: it is not even fetched for colleagues.
            "leave": list(selectors.leave_of(person)) if private else None,
            "is_me": access.staff_of(request.user) == person,
        },
    )


@require_safe
@login_required
@vary_on_headers("HX-Request")
def certification_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    today = timezone.localdate()
    form = CertificationFilterForm(request.GET, user=request.user)
    valid = form.is_valid()
    certs = selectors.certification_list(request.user)
    certs = form.filter(certs, today=today) if valid else certs.none()
    page = Paginator(certs, CERTIFICATION_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        _partial(request, "roster/certification_list.html", "certification-table"),
        {"form": form, "page": page, "today": today},
        status=200 if valid else 400,
    )


@require_safe
@login_required
@vary_on_headers("HX-Request")
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = AuditFilterForm(request.GET, user=request.user)
    valid = form.is_valid()
    events = selectors.audit_list(request.user)
    events = form.filter(events) if valid else events.none()
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(event, selectors.audit_changes(event)) for event in page]
    return render(
        request,
        _partial(request, "roster/audit_list.html", "audit-table"),
        {"form": form, "page": page, "rows": rows},
        status=200 if valid else 400,
    )
