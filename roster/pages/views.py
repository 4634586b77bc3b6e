"""The pages. Thin: scoping comes from ``roster.access`` (through ``roster.selectors``),
and every list view serves both the full page and, for htmx, only its table partial."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from .. import absence, access, analysis, audit_text, export, generation, selectors
from .. import rosters as versions
from ..assignments import waiver_record
from ..cover_templates import cover_gaps
from ..editing import assignment_set, waiver_offer
from ..errors import DomainError, NotAllowed, RuleViolation, Stale
from ..forms import (
    AuditFilterForm,
    CellForm,
    CertificationFilterForm,
    GenerateForm,
    RecordLeaveForm,
    StaffFilterForm,
)
from ..models import AuditEvent, Roster, ShiftType, SolverRun
from ..requests import leave_record
from ..rosters import roster_create, stale_reason

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
    return _staff_page(request, pk)


def _staff_page(request: HttpRequest, pk: int, form: RecordLeaveForm | None = None,
                status: int = 200) -> HttpResponse:
    person = get_object_or_404(selectors.staff_detail(request.user), pk=pk)
    private = access.can_see_private(request.user, person)
    manages = access.can_manage_unit(request.user, person.home_unit_id)
    return render(
        request,
        "roster/staff_detail.html",
        {
            "person": person,
            "private": private,
            # Leave (and its reasons) is private: it is not even fetched for colleagues.
            "leave": list(selectors.leave_of(person)) if private else None,
            "shifts": list(selectors.upcoming_shifts(person)) if private else None,
            "leave_form": (form or RecordLeaveForm()) if manages and person.active else None,
            "is_me": access.staff_of(request.user) == person,
        },
        status=status,
    )


@require_POST
@login_required
def staff_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager records someone's leave, approved at once (a call-out): their shifts on
    those days come off the rosters and short places are offered."""
    person = get_object_or_404(selectors.staff_detail(request.user), pk=pk)
    form = RecordLeaveForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            leave, released = leave_record(
                actor=request.user, staff=person, kind=d["kind"], start_date=d["start_date"],
                end_date=d["end_date"], reason=d["reason"])
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            done = released.summary()
            messages.success(request, f"Recorded: {person}'s {leave.get_kind_display().lower()}."
                             + (f" {done}" if done else " No shifts were rostered on those days."))
            return redirect("staff-detail", pk=person.pk)
    return _staff_page(request, pk, form=form, status=400)


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
    names = audit_text.Names(page)
    rows = [(event, selectors.audit_changes(event), audit_text.describe(event, names)) for event in page]
    return render(
        request,
        _partial(request, "roster/audit_list.html", "audit-table"),
        {"form": form, "page": page, "rows": rows},
        status=200 if valid else 400,
    )


# --- rosters ------------------------------------------------------------------------

RECENT_RUNS = 10


def _require_login_level(request: HttpRequest) -> None:
    if access.level_of(request.user) is None:
        raise PermissionDenied("No access has been set up for this login.")


def _next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def _generate(request: HttpRequest, form: GenerateForm) -> HttpResponse | None:
    """Queue a generation from a valid form; None (with the form's errors) if refused."""
    if not form.is_valid():
        return None
    try:
        run = generation.solver_run_request(
            actor=request.user,
            site=form.site,
            unit=form.unit,
            start_date=form.cleaned_data["start_date"],
            end_date=form.end_date,
            time_limit_seconds=form.cleaned_data["time_limit_seconds"],
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None
    return redirect("roster-run", pk=run.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def roster_index(request: HttpRequest) -> HttpResponse:
    """Every unit in scope with its recent roster versions, and the generate form."""
    _require_login_level(request)
    today = timezone.localdate()
    units = list(access.visible_units(request.user).select_related("site").order_by("site__name", "name"))
    managed = list(access.managed_units(request.user).select_related("site").order_by("site__name", "name"))
    sites = list(access.managed_sites(request.user).order_by("name"))
    managed_ids = {u.pk for u in managed}
    recent = (
        Roster.objects.filter(unit__in=[u.pk for u in units], end_date__gte=today - dt.timedelta(days=28))
        .filter(Q(unit__in=managed_ids) | Q(status=Roster.Status.PUBLISHED))
        .order_by("start_date", "version")
    )
    by_unit: dict[int, list[Roster]] = {}
    for roster in recent:
        by_unit.setdefault(roster.unit_id, []).append(roster)
    form = None
    if managed:
        initial = {"start_date": _next_monday(today)}
        data = request.POST if request.method == "POST" else None
        form = GenerateForm(data, units=managed, sites=sites, initial=initial)
        if request.method == "POST" and (response := _generate(request, form)):
            return response
    elif request.method == "POST":
        raise PermissionDenied("Only managers generate rosters.")
    runs = list(analysis.visible_runs(request.user)[:RECENT_RUNS]) if managed else []
    return render(
        request,
        "roster/roster_index.html",
        {"rows": [(u, by_unit.get(u.pk, [])) for u in units], "form": form, "runs": runs},
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def roster_list(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's roster versions by period; its managers also generate from here."""
    unit = get_object_or_404(access.visible_units(request.user).select_related("site"), pk=pk)
    can_manage = access.can_manage_unit(request.user, unit.pk)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied("Only the unit's managers generate its rosters.")
    form = None
    runs: list[SolverRun] = []
    if can_manage:
        sites = access.managed_sites(request.user).filter(pk=unit.site_id)
        data = request.POST if request.method == "POST" else None
        form = GenerateForm(
            data, units=[unit], sites=sites, initial={"start_date": _next_monday(timezone.localdate())}
        )
        if request.method == "POST" and (response := _generate(request, form)):
            return response
        runs = list(
            analysis.visible_runs(request.user).filter(Q(unit=unit) | Q(unit__isnull=True, site=unit.site_id))[
                :RECENT_RUNS
            ]
        )
    return render(
        request,
        "roster/roster_list.html",
        {
            "unit": unit,
            "can_manage": can_manage,
            "periods": analysis.unit_versions(unit, published_only=not can_manage),
            "form": form,
            "runs": runs,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


def _per_fte(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _fairness(kpis: dict[str, Any]) -> list[str]:
    """The run's fairness figures as a manager says them: how far apart the most and the
    least loaded full-timers are (nights and weekends per full-time equivalent, so a
    half-timer's two nights count as four)."""
    words = []
    for key, what in (("nights_spread", "nights"), ("weekends_spread", "weekends worked")):
        spread = kpis.get(key)
        if spread is None:
            continue
        if spread == 0:
            words.append(f"{what} shared evenly")
        else:
            words.append(f"{what} spread within {_per_fte(spread)} per full-timer")
    hours = kpis.get("hours_spread")
    if hours is not None:
        words.append("everyone equally close to their contracted hours" if hours == 0
                     else f"hours against contract within {_per_fte(hours)} h of one another")
    return words


def _run_status(run: SolverRun, *, kept: bool) -> str:
    if run.status == SolverRun.Status.QUEUED:
        return "Stopping…" if run.cancel_requested else "Waiting to start"
    if run.status == SolverRun.Status.RUNNING:
        return "Stopping, keeping the best roster so far…" if run.cancel_requested else "Generating…"
    if run.status == SolverRun.Status.CANCELLED:
        return "Stopped, best roster kept" if kept else "Stopped before any roster was found"
    if run.status == SolverRun.Status.FAILED:
        return "No roster made"
    return "Finished"


def _run_context(run: SolverRun, user: Any) -> dict[str, Any]:
    """The run page in a manager's words: shifts short by day and role, requests
    honoured, fairness. The drafts of units the viewer may not see (a coordinator's
    site-wide run, seen by one unit's manager) are named but not linked."""
    rosters = list(run.rosters.select_related("unit").order_by("unit__name")) if run.finished else []
    visible = set(analysis.visible_rosters(user).filter(pk__in=[r.pk for r in rosters]).values_list("pk", flat=True))
    shortfalls = analysis.run_shortfalls(
        run, [r for r in rosters if r.pk in visible], grid_url=lambda pk: reverse("roster-detail", args=[pk])
    ) if run.finished else []
    discarded = list(
        AuditEvent.objects.filter(action="roster.discard", before__solver_runs__contains=[run.pk])
        .values_list("before", flat=True)
    ) if run.finished else []
    kpis = (run.result or {}).get("kpis") or {}
    return {
        "run": run,
        "rosters": [(r, r.pk in visible) for r in rosters],
        "discarded": discarded,
        "status_text": _run_status(run, kept=bool(rosters or discarded)),
        "can_stop": not run.finished and (
            access.can_manage_unit(user, run.unit_id) if run.unit_id
            else access.managed_sites(user).filter(pk=run.site_id).exists()
        ),
        "shortfalls": shortfalls,
        "short_total": sum(s.missing for s in shortfalls),
        "kpis": kpis,
        "fairness": _fairness(kpis),
        "progress_pct": min(100, round(100 * run.elapsed_seconds / run.time_limit_seconds))
        if run.time_limit_seconds
        else 0,
    }


@require_safe
@login_required
@vary_on_headers("HX-Request")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A generation's live progress (htmx polls the status partial every second until
    the run is finished), then its result: the draft rosters, KPIs and shortfalls."""
    run = get_object_or_404(analysis.visible_runs(request.user), pk=pk)
    return render(request, _partial(request, "roster/roster_run.html", "run-status"), _run_context(run, request.user))


@require_POST
@login_required
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(analysis.visible_runs(request.user), pk=pk)
    try:
        run = generation.solver_run_cancel(actor=request.user, run=run)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    if getattr(request, "htmx", False):
        run = analysis.visible_runs(request.user).get(pk=run.pk)
        return render(request, "roster/roster_run.html#run-status", _run_context(run, request.user))
    messages.info(request, "Stopping: the best roster found so far is kept." if not run.finished
                  else "Stopped, best roster kept.")
    return redirect("roster-run", pk=run.pk)


def _cell_ref(value: str) -> tuple[int, dt.date]:
    """``<staff pk>:<YYYY-MM-DD>`` from a cell link."""
    staff, _, day = value.partition(":")
    try:
        return int(staff), dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404("No such cell.") from exc


def _panel(request: HttpRequest, roster: Roster, *, can_manage: bool) -> dict[str, Any]:
    """The side panel asked for by ``?cell=`` (edit a cell) or ``?slot=`` (why short)."""
    if "cell" in request.GET:
        if not can_manage or roster.status != Roster.Status.DRAFT:
            raise PermissionDenied("Only a draft can be changed, by the unit's managers.")
        staff_pk, day = _cell_ref(request.GET["cell"])
        person = get_object_or_404(analysis.editable_people(roster), pk=staff_pk)
        if not roster.start_date <= day <= roster.end_date:
            raise Http404("This day is outside the roster's period.")
        editor = analysis.cell_editor(roster, person=person, day=day, user=request.user)
        return {"panel": "cell", "editor": editor}
    if "slot" in request.GET:
        if not can_manage:
            raise PermissionDenied("Shortfall explanations are for the unit's managers.")
        day_text, _, shift_pk = request.GET["slot"].partition(":")
        try:
            day = dt.date.fromisoformat(day_text)
        except ValueError as exc:
            raise Http404("No such slot.") from exc
        if not shift_pk.isdigit() or not roster.start_date <= day <= roster.end_date:
            raise Http404("No such slot.")
        shift_type = get_object_or_404(ShiftType, pk=int(shift_pk), site_id=roster.unit.site_id)
        return {"panel": "slot", "explanation": analysis.slot_explanation(roster, day=day, shift_type=shift_type)}
    return {"panel": ""}


GRID_VIEWS = ("compact", "roomy")


def _compact(request: HttpRequest) -> bool:
    """Whether the grid is drawn compact (narrow cells, every day of four weeks on a
    laptop's screen). ``?view=compact`` or ``?view=roomy`` sets it for the session, so
    the choice holds across rosters, cell edits and plain links alike."""
    view = request.GET.get("view")
    if view in GRID_VIEWS:
        request.session["roster_view"] = view
    return request.session.get("roster_view") == "compact"


@require_safe
@login_required
@vary_on_headers("HX-Request")
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster grid. ``?cell=`` and ``?slot=`` open the side panel (a cell's editor,
    a shortfall's explanation): htmx fetches only the panel, a plain link the whole page
    with the panel open."""
    roster = get_object_or_404(analysis.visible_rosters(request.user), pk=pk)
    can_manage = access.can_manage_unit(request.user, roster.unit_id)
    panel = _panel(request, roster, can_manage=can_manage)
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "roster/roster_detail.html#roster-panel", {"roster": roster, **panel})
    grid = analysis.roster_grid(roster, user=request.user, today=timezone.localdate())
    stale = stale_reason(roster) if can_manage and roster.status == Roster.Status.DRAFT else None
    on_leave = absence.on_leave_in(roster) if can_manage and roster.status != Roster.Status.ARCHIVED else []
    return render(request, "roster/roster_detail.html",
                  {"roster": roster, "grid": grid, "stale": stale, "on_leave": on_leave,
                   "compact": _compact(request), **panel})


@require_POST
@login_required
def roster_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Set one cell of a draft: a shift or off, through ``assignment_set``.

    A hard rule refuses the change and the panel names it; for a waivable rule the
    manager may record a waiver (with a reason) and the change is retried with it, in
    one transaction: if the retry still fails, the waiver is not kept either.
    """
    roster = get_object_or_404(analysis.visible_rosters(request.user), pk=pk)
    if not access.can_manage_unit(request.user, roster.unit_id):
        raise PermissionDenied("Only the unit's managers change its roster.")
    htmx = bool(getattr(request, "htmx", False))
    form = CellForm(request.POST, roster=roster, people=analysis.editable_people(roster))
    context: dict[str, Any] = {"roster": roster, "panel": "cell", "form": form, "compact": _compact(request)}

    def refused(status: int = 400) -> HttpResponse:
        staff, day = form.cleaned_data.get("staff"), form.cleaned_data.get("date")
        if staff is not None and day is not None:
            context["editor"] = analysis.cell_editor(roster, person=staff, day=day, user=request.user)
        if htmx:
            return render(request, "roster/roster_detail.html#roster-panel", context, status=status)
        context["grid"] = analysis.roster_grid(roster, user=request.user, today=timezone.localdate())
        return render(request, "roster/roster_detail.html", context, status=status)

    if roster.status != Roster.Status.DRAFT:
        form.is_valid()
        context["error"] = f"This version is {roster.get_status_display().lower()}: only a draft can be changed."
        return refused()
    if not form.is_valid():
        return refused()
    data = form.cleaned_data
    staff, day, shift_type = data["staff"], data["date"], data["shift_type"]
    try:
        with transaction.atomic():
            waiver = None
            if data["waiver_rule"]:
                waiver = waiver_record(
                    actor=request.user, staff=staff, day=day, rules=data["waiver_rule"], reason=data["waiver_reason"]
                )
            assignment_set(
                actor=request.user, roster=roster, staff=staff, day=day, shift_type=shift_type, waiver=waiver
            )
    except RuleViolation as exc:
        context["breaches"] = exc.breaches
        context["waiver"], context["no_waiver"] = waiver_offer(exc.breaches)
        context["proposed"] = shift_type
        return refused()
    except DomainError as exc:
        context["error"] = exc.message
        return refused()
    what = f"{shift_type.name} ({shift_type.code})" if shift_type else "off"
    message = f"{staff} is now {what} on {day:%a %d %b}" + (" — waiver recorded." if data["waiver_rule"] else ".")
    if htmx:
        grid = analysis.roster_grid(roster, user=request.user, today=timezone.localdate())
        return render(
            request,
            "roster/roster_detail.html#cell-saved",
            {"roster": roster, "grid": grid, "panel": "saved", "message": message, "oob": True,
             "compact": _compact(request)},
        )
    messages.success(request, message)
    return redirect("roster-detail", pk=roster.pk)


@require_safe
@login_required
def roster_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster version as CSV, for whoever may see it (the same privacy as the page)."""
    roster = get_object_or_404(analysis.visible_rosters(request.user), pk=pk)
    grid = analysis.roster_grid(roster, user=request.user, today=timezone.localdate())
    response = HttpResponse(export.roster_csv(grid), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(grid)}"'
    return response


@require_POST
@login_required
def roster_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a draft. One made before the version in force last changed is refused with
    what it would undo, and a second button publishes it anyway (``replace_changes``)."""
    roster = get_object_or_404(analysis.visible_rosters(request.user), pk=pk)
    try:
        roster = versions.roster_publish(
            actor=request.user, roster=roster, replace_changes=request.POST.get("replace_changes") == "yes"
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except Stale as exc:
        grid = analysis.roster_grid(roster, user=request.user, today=timezone.localdate())
        return render(request, "roster/roster_detail.html",
                      {"roster": roster, "grid": grid, "stale": exc.message, "compact": _compact(request)}, status=409)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Version {roster.version} is published and in force.")
        if gaps := cover_gaps(roster.unit, roster.start_date, roster.end_date):
            messages.warning(request, f"Published with days nobody set cover for (left unstaffed): {gaps.text()}.")
    return redirect("roster-detail", pk=roster.pk)


@require_POST
@login_required
def roster_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft copied from the published version, to change by hand."""
    roster = get_object_or_404(analysis.visible_rosters(request.user), pk=pk)
    try:
        draft = roster_create(
            actor=request.user, unit=roster.unit, start_date=roster.start_date, end_date=roster.end_date
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, f"Draft version {draft.version} copied from the published version.")
    return redirect("roster-detail", pk=draft.pk)


@require_POST
@login_required
def roster_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Throw a draft away, for good (the page asks first). Back to the unit's versions."""
    roster = get_object_or_404(analysis.visible_rosters(request.user), pk=pk)
    try:
        gone = versions.roster_discard(actor=request.user, roster=roster)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("roster-detail", pk=roster.pk)
    messages.success(request, f"Draft version {gone['version']} discarded.")
    return redirect("roster-list", pk=roster.unit_id)
