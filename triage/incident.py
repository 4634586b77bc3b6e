"""The incident's write functions: open it, register and retriage victims, add
ambulances and hospitals, declare crisis standards of care, close it.

Each one checks permissions (``triage.permissions``), runs in one transaction, writes its
audit row in it and, where the situation changed (a new victim, a retriage, an ambulance
back, a hospital's capacity), queues a re-allocation after the commit. Audit rows are
written on the incident (object ``triage.Incident``), so they carry its site and the
site's coordinators see them in the audit log; the row changed is in ``after``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from roster import access
from roster.audit import audit_record, snapshot
from roster.errors import Conflict, DomainError, NotAllowed
from roster.models import Site

from . import queue
from .crisis_state import expectant_allowed
from .models import Allocation, Ambulance, Incident, ReceivingHospital, TriageRecord, Victim
from .permissions import (
    can_command,
    can_declare_crisis_standards,
    can_triage,
    sites_for_new_incident,
)
from .triage_rules import AVPU, Colour, Findings, TriageResult, jumpstart, priority_of, salt, start

# The triage answers a person gives, by the name of the finding they set.
BOOL_ANSWERS = (
    "walks", "breathing", "breathes_after_airway", "radial_pulse", "follows_commands",
    "breathes_after_rescue_breaths", "developmentally_unable_to_walk",
    "significant_external_injury", "purposeful_movement", "major_haemorrhage_controlled",
    "respiratory_distress", "minor_injuries_only", "likely_to_survive",
)
MAX_RATE = 120
MAX_REFILL_S = 20


def findings_from(answers: Mapping[str, Any]) -> Findings:
    """The findings of a triage from its answers; a bad answer is refused by name
    (``answers.<name>``)."""
    if not isinstance(answers, Mapping):
        raise DomainError("Give the triage answers as names and values.", field="answers")
    values: dict[str, Any] = {}
    for key, value in answers.items():
        field = f"answers.{key}"
        if key in BOOL_ANSWERS:
            if not isinstance(value, bool):
                raise DomainError("Answer yes (true) or no (false).", field=field)
            values[key] = value
        elif key == "respiratory_rate":
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RATE:
                raise DomainError(f"Breaths per minute, a whole number from 0 to {MAX_RATE}.", field=field)
            values[key] = value
        elif key == "capillary_refill_s":
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_REFILL_S:
                raise DomainError(f"Seconds, from 0 to {MAX_REFILL_S}.", field=field)
            values[key] = float(value)
        elif key == "avpu":
            try:
                values[key] = AVPU(value)
            except ValueError:
                raise DomainError(
                    f"One of {', '.join(a.value for a in AVPU)}.", field=field
                ) from None
        else:
            raise DomainError("Not a triage question.", field=field)
    return Findings(**values)


def triage_of(incident: Incident, age_band: str, answers: Mapping[str, Any]) -> TriageResult:
    """Run the incident's algorithm: SALT for everyone, or START for adults and JumpSTART
    for children (about 1 to 8 years)."""
    findings = findings_from(answers)
    expectant = expectant_allowed(incident)
    try:
        if incident.algorithm == Incident.Algorithm.SALT:
            return salt(findings, expectant=expectant)
        if age_band == Victim.AgeBand.CHILD:
            return jumpstart(findings, expectant=expectant)
        return start(findings, expectant=expectant)
    except ValueError as exc:  # the rate of a breathing patient is missing
        raise DomainError(str(exc).split(": ", 1)[-1], field="answers.respiratory_rate") from None


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise Conflict("The incident is closed.", field="incident")


def _require_command(actor: Any, incident: Incident) -> None:
    if not can_command(actor, incident):
        raise NotAllowed("Only the incident commander and the site's coordinators act on the incident.",
                         field="incident")


def _audit(actor: Any, action: str, incident: Incident, obj: Any = None, *, before: dict[str, Any] | None = None,
           rationale: str = "") -> None:
    after = snapshot(obj) if obj is not None else snapshot(incident)
    if obj is not None:
        after = {"object": obj._meta.label, **after}
    audit_record(actor=actor, action=action, obj=incident, before=before, after=after, rationale=rationale)


@transaction.atomic
def incident_create(
    *,
    actor: Any,
    site: Site,
    kind: str,
    description: str = "",
    commander: Any = None,
    started_at: dt.datetime | None = None,
    algorithm: str = Incident.Algorithm.START,
    sensing_minutes: int = 5,
    buffer_minutes: int = 2,
    swf: str = Incident.Swf.UTILITARIAN,
    principle: str = "none",
    objective: str = Incident.Objective.SURVIVORS,
) -> Incident:
    """Open an incident at ``site``; its commander is ``commander`` (default: the actor),
    who must be able to act on the site."""
    if not sites_for_new_incident(actor).filter(pk=site.pk).exists():
        raise NotAllowed("Only the site's coordinators (or regional ones) open an incident there.", field="site")
    commander = commander or actor
    if not (access.is_network_wide(commander) or access.managed_sites(commander).filter(pk=site.pk).exists()):
        raise DomainError("The incident commander must be a coordinator of the site or of the region.",
                          field="commander")
    incident = Incident(
        site=site, kind=kind, description=description, commander=commander,
        started_at=started_at or timezone.now(), algorithm=algorithm, sensing_minutes=sensing_minutes,
        buffer_minutes=buffer_minutes, swf=swf, principle=principle, objective=objective, created_by=actor,
    )
    incident.full_clean()
    incident.save()
    _audit(actor, "incident.create", incident)
    return incident


@transaction.atomic
def incident_set_policy(
    *, actor: Any, incident: Incident, swf: str, principle: str, objective: str,
    sensing_minutes: int, buffer_minutes: int,
) -> Incident:
    """Change how the board allocates; re-allocates at once."""
    _require_command(actor, incident)
    _require_open(incident)
    before = snapshot(incident)
    incident.swf, incident.principle, incident.objective = swf, principle, objective
    incident.sensing_minutes, incident.buffer_minutes = sensing_minutes, buffer_minutes
    incident.full_clean()
    incident.save()
    _audit(actor, "incident.policy", incident, before=before)
    queue.reallocate_after_commit(incident.pk)
    return incident


@transaction.atomic
def incident_set_crisis_standards(*, actor: Any, incident: Incident, declared: bool, reason: str) -> Incident:
    """The incident commander declares (or ends) crisis standards of care for this
    incident. While declared, grey and black tags are P5 (expectant) and left out of the
    transport allocation; otherwise they are P1 (``triage.triage_rules``). Every victim's
    priority follows at once."""
    if not can_declare_crisis_standards(actor, incident):
        raise NotAllowed("Only the incident commander declares crisis standards of care.", field="crisis_standards")
    _require_open(incident)
    if not reason.strip():
        raise DomainError("Say why.", field="reason")
    before = snapshot(incident)
    incident.crisis_standards = declared
    incident.save(update_fields=["crisis_standards"])
    _audit(actor, "incident.crisis_standards", incident, before=before, rationale=reason.strip())
    reprioritize(incident)
    return incident


def reprioritize(incident: Incident) -> int:
    """Bring grey and black tags in line with whether P5 is allowed now (crisis standards
    declared, or the site at crisis level 4 or above) and re-allocate; returns how many
    victims changed priority."""
    expectant = expectant_allowed(incident)
    changed = 0
    for victim in incident.victims.filter(colour__in=[Colour.GREY.value, Colour.BLACK.value]):
        priority = int(priority_of(Colour(victim.colour), expectant=expectant))
        if victim.priority != priority:
            victim.priority = priority
            victim.save(update_fields=["priority"])
            changed += 1
    queue.reallocate_after_commit(incident.pk)
    return changed


@transaction.atomic
def incident_close(*, actor: Any, incident: Incident) -> Incident:
    _require_command(actor, incident)
    _require_open(incident)
    before = snapshot(incident)
    incident.status = Incident.Status.CLOSED
    incident.closed_at = timezone.now()
    incident.save(update_fields=["status", "closed_at"])
    # Assignments not yet locked will not be carried out.
    incident.allocations.filter(current=True, locked=False).update(current=False)
    _audit(actor, "incident.close", incident, before=before)
    return incident


def _record(victim: Victim, result: TriageResult, answers: Mapping[str, Any], actor: Any,
            at: dt.datetime) -> TriageRecord:
    return TriageRecord.objects.create(
        victim=victim, answers=dict(answers), algorithm=result.algorithm, colour=result.colour.value,
        priority=int(result.priority), reason=result.reason, by=actor, at=at,
    )


@transaction.atomic
def victim_register(
    *, actor: Any, incident: Incident, tag: str, answers: Mapping[str, Any], age_band: str = Victim.AgeBand.ADULT,
) -> Victim:
    """Register a victim under their tag number with their first triage; the result
    (colour and priority) is on the returned row and in its history."""
    if not can_triage(actor, incident):
        raise NotAllowed("You cannot register victims at this incident.", field="incident")
    tag = tag.strip()
    if not tag:
        raise DomainError("Give the number on the tag.", field="tag")
    if age_band not in Victim.AgeBand.values:
        raise DomainError(f"One of {', '.join(Victim.AgeBand.values)}.", field="age_band")
    result = triage_of(incident, age_band, answers)
    now = timezone.now()
    try:
        with transaction.atomic():
            victim = Victim.objects.create(
                incident=incident, tag=tag, age_band=age_band, answers=dict(answers),
                algorithm=result.algorithm, colour=result.colour.value, priority=int(result.priority),
                reason=result.reason, registered_at=now, registered_by=actor, triaged_at=now,
            )
    except IntegrityError:
        raise Conflict(f"Tag {tag} is already registered at this incident.", field="tag") from None
    _record(victim, result, answers, actor, now)
    _audit(actor, "incident.victim.register", incident, victim)
    queue.reallocate_after_commit(incident.pk)
    return victim


@transaction.atomic
def victim_retriage(
    *, actor: Any, victim: Victim, answers: Mapping[str, Any], age_band: str | None = None,
) -> Victim:
    """Triage a victim again; the earlier triages stay in the history. A victim still at
    the scene is re-allocated (an assignment not yet locked may change)."""
    victim = Victim.objects.select_for_update().select_related("incident").get(pk=victim.pk)
    incident = victim.incident
    if not can_triage(actor, incident):
        raise NotAllowed("You cannot triage victims at this incident.", field="incident")
    if age_band is not None and age_band not in Victim.AgeBand.values:
        raise DomainError(f"One of {', '.join(Victim.AgeBand.values)}.", field="age_band")
    band = age_band or victim.age_band
    result = triage_of(incident, band, answers)
    before = snapshot(victim)
    now = timezone.now()
    victim.age_band, victim.answers = band, dict(answers)
    victim.algorithm, victim.colour = result.algorithm, result.colour.value
    victim.priority, victim.reason, victim.triaged_at = int(result.priority), result.reason, now
    victim.save()
    _record(victim, result, answers, actor, now)
    _audit(actor, "incident.victim.retriage", incident, victim, before=before)
    if victim.status == Victim.Status.SCENE:
        queue.reallocate_after_commit(incident.pk)
    return victim


@transaction.atomic
def ambulance_add(*, actor: Any, incident: Incident, call_sign: str, crew: int) -> Ambulance:
    _require_command(actor, incident)
    _require_open(incident)
    call_sign = call_sign.strip()
    if not call_sign:
        raise DomainError("Give the call sign.", field="call_sign")
    if crew not in Ambulance.Crew.values:
        raise DomainError("1 (basic) or 2 (experienced).", field="crew")
    try:
        with transaction.atomic():
            ambulance = Ambulance.objects.create(incident=incident, call_sign=call_sign, crew=crew)
    except IntegrityError:
        raise Conflict(f"{call_sign} is already at this incident.", field="call_sign") from None
    _audit(actor, "incident.ambulance.add", incident, ambulance)
    queue.reallocate_after_commit(incident.pk)
    return ambulance


@transaction.atomic
def ambulance_set_status(*, actor: Any, ambulance: Ambulance, status: str) -> Ambulance:
    """Where an ambulance is. Back at the scene (available) ends its trip: the locked
    allocation becomes history and the ambulance is offered again (a re-allocation)."""
    ambulance = Ambulance.objects.select_for_update().select_related("incident").get(pk=ambulance.pk)
    incident = ambulance.incident
    _require_command(actor, incident)
    if status not in Ambulance.Status.values:
        raise DomainError(f"One of {', '.join(Ambulance.Status.values)}.", field="status")
    if status == ambulance.status:
        return ambulance
    if status == Ambulance.Status.AVAILABLE and not incident.is_open:
        raise Conflict("The incident is closed.", field="incident")
    before = snapshot(ambulance)
    ambulance.status = status
    ambulance.save(update_fields=["status"])
    if status == Ambulance.Status.AVAILABLE:
        Allocation.objects.filter(ambulance=ambulance, current=True, locked=True).update(current=False)
        queue.reallocate_after_commit(incident.pk)
    _audit(actor, "incident.ambulance.status", incident, ambulance, before=before)
    return ambulance


@transaction.atomic
def hospital_add(
    *, actor: Any, incident: Incident, name: str, resources: int, capacity: int, distance: int,
    site: Site | None = None,
) -> ReceivingHospital:
    _require_command(actor, incident)
    _require_open(incident)
    name = (name or (site.name if site else "")).strip()
    if not name:
        raise DomainError("Give the hospital's name.", field="name")
    hospital = ReceivingHospital(
        incident=incident, name=name, site=site, resources=resources, capacity=capacity, distance=distance
    )
    hospital.full_clean(exclude=["incident"], validate_constraints=False)
    try:
        with transaction.atomic():
            hospital.save()
    except IntegrityError:
        raise Conflict(f"{name} already receives victims of this incident.", field="name") from None
    _audit(actor, "incident.hospital.add", incident, hospital)
    queue.reallocate_after_commit(incident.pk)
    return hospital


@transaction.atomic
def hospital_set_capacity(*, actor: Any, hospital: ReceivingHospital, capacity: int) -> ReceivingHospital:
    """A receiving hospital's capacity for new victims changed (0: it is full)."""
    hospital = ReceivingHospital.objects.select_for_update().select_related("incident").get(pk=hospital.pk)
    incident = hospital.incident
    _require_command(actor, incident)
    _require_open(incident)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 0 <= capacity <= 10_000:
        raise DomainError("A whole number from 0 to 10000.", field="capacity")
    before = snapshot(hospital)
    hospital.capacity = capacity
    hospital.save(update_fields=["capacity"])
    _audit(actor, "incident.hospital.capacity", incident, hospital, before=before)
    queue.reallocate_after_commit(incident.pk)
    return hospital
