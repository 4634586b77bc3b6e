"""Incident pages, for a phone at the scene: large buttons, high contrast. Thin: scoping
from ``triage.permissions``, writes through the write functions, refusals shown as
messages naming what is wrong. The board's live part is one partial that htmx polls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from roster.errors import DomainError

from . import allocation as alloc
from . import incident as ops
from .forms import (
    AmbulanceForm,
    CapacityForm,
    CrisisStandardsForm,
    HospitalForm,
    IncidentForm,
    PolicyForm,
)
from .models import Ambulance, Decision, Incident, ReceivingHospital, Victim
from .permissions import (
    can_command,
    can_declare_crisis_standards,
    can_triage,
    sites_for_new_incident,
    visible_incidents,
)
from .questions import next_question, parse
from .selectors import board


def _partial(request: HttpRequest, template_name: str, partial: str) -> str:
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return f"{template_name}#{partial}"
    return template_name


def _error_text(exc: DomainError | ValidationError) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()) if hasattr(
        exc, "error_dict") else " ".join(exc.messages)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field.replace("_", " ").capitalize() if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}".lstrip(": "))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    may_open = sites_for_new_incident(request.user).exists()
    form = IncidentForm(request.POST or None, user=request.user) if may_open else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Site coordinators open incidents.")
        if form.is_valid():
            try:
                incident = ops.incident_create(actor=request.user, **form.cleaned_data)
            except (DomainError, ValidationError) as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, "Incident opened. Add its ambulances and receiving hospitals.")
                return redirect("triage:board", pk=incident.pk)
    incidents = visible_incidents(request.user).select_related("site", "commander")[:100]
    return render(request, "triage/incident_list.html", {"incidents": incidents, "form": form},
                  status=400 if form is not None and form.errors else 200)


def _incident(request: HttpRequest, pk: int) -> Incident:
    return get_object_or_404(visible_incidents(request.user).select_related("site", "commander"), pk=pk)


@require_safe
@login_required
def incident_board(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    commanding = can_command(request.user, incident)
    view = board(incident)
    ctx: dict[str, Any] = {
        "incident": incident, "board": view, "commanding": commanding,
        "may_triage": can_triage(request.user, incident),
        "may_declare": can_declare_crisis_standards(request.user, incident) and incident.is_open,
        "priority_counts": [(f"P{p}", view.counts.get(p, 0)) for p in range(1, 6)],
    }
    if commanding and incident.is_open:
        ctx.update(
            ambulance_form=AmbulanceForm(), hospital_form=HospitalForm(),
            policy_form=PolicyForm(initial={
                "objective": incident.objective, "swf": incident.swf, "principle": incident.principle,
                "sensing_minutes": incident.sensing_minutes, "buffer_minutes": incident.buffer_minutes}),
            crisis_form=CrisisStandardsForm(initial={"declared": not incident.crisis_standards}),
        )
    return render(request, _partial(request, "triage/board.html", "board-live"), ctx)


def _act(request: HttpRequest, incident: Incident, form_class: type[Any] | None,
         write: Callable[[dict[str, Any]], str]) -> HttpResponse:
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("triage:board", pk=incident.pk)
        data = form.cleaned_data
    try:
        done = write(data)
    except (DomainError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, done)
    return redirect("triage:board", pk=incident.pk)


@require_POST
@login_required
def ambulance_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)

    def write(d: dict[str, Any]) -> str:
        amb = ops.ambulance_add(actor=request.user, incident=incident, call_sign=d["call_sign"], crew=d["crew"])
        return f"{amb} is at the scene."
    return _act(request, incident, AmbulanceForm, write)


@require_POST
@login_required
def ambulance_status(request: HttpRequest, pk: int, ambulance_pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    ambulance = get_object_or_404(Ambulance, incident=incident, pk=ambulance_pk)

    def write(d: dict[str, Any]) -> str:
        amb = ops.ambulance_set_status(actor=request.user, ambulance=ambulance, status=request.POST.get("status", ""))
        return f"{amb}: {amb.get_status_display()}."
    return _act(request, incident, None, write)


@require_POST
@login_required
def hospital_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)

    def write(d: dict[str, Any]) -> str:
        hospital = ops.hospital_add(actor=request.user, incident=incident, name=d["name"], site=d["site"],
                                    resources=d["resources"], capacity=d["capacity"], distance=d["distance"])
        return f"{hospital} receives victims."
    return _act(request, incident, HospitalForm, write)


@require_POST
@login_required
def hospital_capacity(request: HttpRequest, pk: int, hospital_pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    hospital = get_object_or_404(ReceivingHospital, incident=incident, pk=hospital_pk)

    def write(d: dict[str, Any]) -> str:
        h = ops.hospital_set_capacity(actor=request.user, hospital=hospital, capacity=d["capacity"])
        return f"{h} can take {h.capacity} new victims in all."
    return _act(request, incident, CapacityForm, write)


@require_POST
@login_required
def incident_policy(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)

    def write(d: dict[str, Any]) -> str:
        ops.incident_set_policy(actor=request.user, incident=incident, **d)
        return "Policy changed: the board re-allocates."
    return _act(request, incident, PolicyForm, write)


@require_POST
@login_required
def incident_crisis_standards(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)

    def write(d: dict[str, Any]) -> str:
        i = ops.incident_set_crisis_standards(actor=request.user, incident=incident, declared=d["declared"],
                                              reason=d["reason"])
        return ("Crisis standards of care declared: expectant victims are P5." if i.crisis_standards
                else "Crisis standards of care ended: expectant victims are P1 again.")
    return _act(request, incident, CrisisStandardsForm, write)


@require_POST
@login_required
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    return _act(request, incident, None, lambda d: (ops.incident_close(actor=request.user, incident=incident),
                                                   "Incident closed.")[1])


# --- triage at the scene -------------------------------------------------------------------


def _answers_from(request: HttpRequest) -> dict[str, str]:
    """The answers so far (hidden ``a_<name>`` fields) and the one just given
    (``answer`` = ``name=value``)."""
    raw = {k[2:]: str(v) for k, v in request.POST.items() if k.startswith("a_")}
    given = request.POST.get("answer", "")
    if "=" in given:
        key, value = given.split("=", 1)
        raw[key] = value
    return raw


def _triage_step(request: HttpRequest, incident: Incident, victim: Victim | None) -> HttpResponse:
    """One step of the question flow: ask the next question, or — once the algorithm has
    decided — register (or retriage) the victim and show the result at once."""
    template = "triage/triage.html"
    age_band = request.POST.get("age_band") or (victim.age_band if victim else Victim.AgeBand.ADULT)
    tag = victim.tag if victim else request.POST.get("tag", "").strip()
    ctx: dict[str, Any] = {"incident": incident, "victim": victim, "tag": tag, "age_band": age_band,
                           "age_bands": Victim.AgeBand.choices, "raw": {}, "question": None, "result": None,
                           "error": None}
    if request.method == "POST" and victim is None and incident.victims.filter(tag=tag).exists():
        # Said at the first answer, not after the last one (the write function refuses it too).
        ctx["error"] = f"Tag {tag} is already registered at this incident."
    elif request.method == "POST":
        raw = _answers_from(request)
        answers = parse(raw)
        try:
            ops.findings_from(answers)
            question = next_question(incident.algorithm, age_band == Victim.AgeBand.CHILD, answers)
        except DomainError as exc:
            ctx["error"], question, raw = exc.message, None, {}
            answers = {}
        ctx["raw"] = raw
        if question is None and answers:
            try:
                if victim is None:
                    ctx["result"] = ops.victim_register(actor=request.user, incident=incident, tag=tag,
                                                        age_band=age_band, answers=answers)
                else:
                    ctx["result"] = ops.victim_retriage(actor=request.user, victim=victim, answers=answers,
                                                        age_band=age_band)
            except DomainError as exc:
                ctx["error"] = exc.message
                ctx["raw"], question = {}, None
        ctx["question"] = question
    if ctx["result"] is None and ctx["question"] is None:
        ctx["question"] = next_question(incident.algorithm, age_band == Victim.AgeBand.CHILD, {})
        ctx["raw"] = {}
    status = 400 if ctx["error"] else 200
    return render(request, _partial(request, template, "triage-step"), ctx, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def victim_register(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    if not can_triage(request.user, incident):
        raise PermissionDenied("The incident is closed.")
    return _triage_step(request, incident, None)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def victim_retriage(request: HttpRequest, pk: int, victim_pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    victim = get_object_or_404(incident.victims.all(), pk=victim_pk)
    if not can_triage(request.user, incident):
        raise PermissionDenied("The incident is closed.")
    return _triage_step(request, incident, victim)


@require_safe
@login_required
def victim_detail(request: HttpRequest, pk: int, victim_pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    victim = get_object_or_404(incident.victims.all(), pk=victim_pk)
    return render(request, "triage/victim_detail.html", {
        "incident": incident, "victim": victim, "may_triage": can_triage(request.user, incident),
        "triages": victim.triages.select_related("by"),
        "allocations": victim.allocations.select_related("ambulance", "hospital").order_by("-proposed_at"),
    })


# --- the corrector ----------------------------------------------------------------------------


def _proposal_from_post(request: HttpRequest, board_: alloc.Board) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for vid, victim in board_.victims.items():
        amb, hosp = request.POST.get(f"v{vid}_ambulance", ""), request.POST.get(f"v{vid}_hospital", "")
        out[victim.tag] = [amb, hosp] if amb and hosp else None
    return out


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def corrector(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose (or edit the current) allocation, see it scored against the best one
    victim by victim, and decide."""
    incident = _incident(request, pk)
    if not can_command(request.user, incident):
        raise PermissionDenied("The incident commander and the site's coordinators use the corrector.")
    board_ = alloc.board_of(incident, keep_person=False)
    current = alloc.current_allocation(board_)
    # Ambulances by call sign and hospitals by name (both unique in the incident).
    proposal_raw = {
        board_.victims[vid].tag: ([board_.ambulances[v[0]].call_sign, board_.hospitals[v[1]].name] if v else None)
        for vid, v in current.items()
    }
    scored = None
    error = None
    if request.method == "POST":
        proposal_raw = _proposal_from_post(request, board_)
        try:
            proposal = alloc.proposal_from(board_, proposal_raw)
            if request.POST.get("chosen"):
                alloc.allocation_decide(actor=request.user, incident=incident, proposal=proposal_raw,
                                        chosen=request.POST["chosen"], reason=request.POST.get("reason", ""))
                label = Decision.Choice(request.POST["chosen"]).label
                messages.success(request, f"Decision recorded: {label.lower()}.")
                return redirect("triage:board", pk=incident.pk)
            scored = alloc.score(incident, board_, proposal)
        except DomainError as exc:
            error = exc.message
            if exc.field == "reason":
                scored = alloc.score(incident, board_, alloc.proposal_from(board_, proposal_raw))
    rows = []
    for victim in board_.victims.values():
        chosen = proposal_raw.get(victim.tag) or ["", ""]
        rows.append({"victim": victim, "ambulance": str(chosen[0]), "hospital": str(chosen[1])})
    return render(request, "triage/corrector.html", {
        "incident": incident, "rows": rows, "ambulances": list(board_.ambulances.values()),
        "hospitals": list(board_.hospitals.values()), "scored": scored, "error": error,
        "left": {h.id: h.capacity for h in board_.problem.hospitals},
        "board_url": reverse("triage:board", args=[incident.pk]),
    }, status=400 if error else 200)
