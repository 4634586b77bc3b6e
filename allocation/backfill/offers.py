"""Vacancies and their offers: created, offered in waves, accepted, escalated.

A vacancy is always backed by an open shift of the roster in force (the marketplace's):
a claim from the open-shift list fills it as an accepted offer does, and an acceptance
*is* a claim (``roster.marketplace.open_shift_claim``: the open shift's row lock, every
rule re-checked under the person's row lock, the assignment written in force).

Waves. A vacancy's ``wave``, ``tier``, ``escalation`` and ``next_step_at`` are its state
in the database. :func:`advance` takes the vacancy's row lock, does the one step that is
due (the next wave, or the next escalation once the fill deadline passes) and moves
``next_step_at`` on, in one transaction. A Celery task runs it at ``next_step_at``
(a countdown queued after the commit), and beat sweeps every minute for any step left
due (a worker killed mid-wave: its transaction rolled back, the step is still due, the
sweep or the redelivered task takes it). A duplicate run finds nothing due. Nobody is
offered the same vacancy twice (unique on vacancy and person) and each wave is recorded
once (unique on vacancy and wave number).

Lock order, everywhere both are taken: the open shift, then the vacancy.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from roster import access, marketplace
from roster.absence import post_vacated
from roster.errors import Conflict, DomainError, NotAllowed, RuleViolation
from roster.models import Access, Assignment, OpenShift, ShiftType, Staff, Unit
from roster.notifications import notify, notify_managers, notify_staff
from roster.timeutil import shift_interval

from ..models.backfill import AgencyRequest, Offer, OfferPolicy, Vacancy, VacancyEvent
from . import sms
from .ranking import AGENCY_TIER, TIERS, Candidate, rank

log = logging.getLogger(__name__)

ADVANCE = "allocation.tasks.backfill_advance"
SWEEP = "allocation.tasks.backfill_sweep"
DEFAULT_FILL_MINUTES, DEFAULT_CRITICAL_MINUTES = 240, 120
CRITICAL_KINDS = (Unit.Kind.ICU, Unit.Kind.ED)
Kind = OfferPolicy.Kind


def _event(v: Vacancy, kind: str, text: str, *, wave: int | None = None, staff: Staff | None = None) -> None:
    VacancyEvent.objects.create(vacancy=v, kind=kind, text=text[:300], wave=wave, staff=staff)


def _schedule(v: Vacancy) -> None:
    """Queue :func:`advance` for the vacancy's next step, after the commit."""
    if v.next_step_at is None or not v.is_open:
        return
    delay = max(0.0, (v.next_step_at - timezone.now()).total_seconds())
    transaction.on_commit(partial(app.send_task, ADVANCE, args=[v.pk], countdown=delay))


def label(v: Vacancy) -> str:
    what = v.role or (v.skill.name if v.skill else "") or (v.certification_type.name if v.certification_type else "")
    return f"{v.shift_type.code} {v.date:%a %d %b} in {v.unit.name}" + (f" ({what})" if what else "")


# --- creating vacancies ---------------------------------------------------------------

def vacancy_for(shift: OpenShift, *, source: str, actor: Any = None) -> Vacancy:
    """Record the vacancy an open shift stands for (call inside the transaction that
    posts it). Under a unit's offer policy its first wave is queued for after the commit;
    without one the marketplace tells everyone eligible at once and the vacancy is
    measured all the same."""
    unit = shift.roster.unit
    policy = OfferPolicy.objects.filter(unit=unit).first()
    starts_at, ends_at = shift_interval(shift.date, shift.shift_type.start_time, shift.shift_type.duration_minutes,
                                        unit.site.timezone)
    critical = unit.kind in CRITICAL_KINDS or shift.skill_id is not None or shift.certification_type_id is not None
    minutes = ((policy.critical_fill_minutes if critical else policy.fill_minutes) if policy else
               (DEFAULT_CRITICAL_MINUTES if critical else DEFAULT_FILL_MINUTES))
    now = timezone.now()
    # Filled by the start; a place on a shift already under way (the census asking for more
    # staff now) can still be filled for the rest of the shift.
    cap = starts_at if starts_at > now else ends_at
    deadline = max(now + dt.timedelta(minutes=1), min(now + dt.timedelta(minutes=minutes), cap))
    v = Vacancy.objects.create(
        unit=unit, roster=shift.roster, open_shift=shift, date=shift.date, shift_type=shift.shift_type,
        role=shift.role, skill=shift.skill, certification_type=shift.certification_type, source=source,
        critical=critical, starts_at=starts_at, deadline=deadline, policy=policy.kind if policy else "",
        next_step_at=now if policy else None, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    how = policy.get_kind_display().lower() if policy else "everyone eligible told at once"
    _event(v, VacancyEvent.Kind.CREATED, f"{v.get_source_display()}: {label(v)}; "
           f"{'critical, ' if critical else ''}fill by {timezone.localtime(deadline):%a %H:%M}; {how}.")
    _schedule(v)
    return v


def on_places_posted(sender: Any, shifts: list[OpenShift], source: str, **kwargs: Any) -> list[int]:
    """``roster.marketplace.places_posted``: each place a call-out or a shortfall leaves
    becomes a vacancy; returns the shifts offered in waves (not announced to everyone)."""
    mapped = {"vacated": Vacancy.Source.CALL_OUT, "short": Vacancy.Source.SHORT}
    if source not in mapped:
        return []
    handled = []
    for shift in shifts:
        v = vacancy_for(shift, source=mapped[source], actor=shift.posted_by)
        if v.policy:
            handled.append(shift.pk)
    return handled


def vacancy_open(*, actor: Any, unit: Unit, shift_type: ShiftType, day: dt.date, role: str = "",
                 source: str = Vacancy.Source.CENSUS, note: str = "") -> Vacancy:
    """A vacancy started from code (the census asks for more staff, on-call staff called
    in): an open shift is posted on the roster in force (the actor must manage the unit)
    and offered under the unit's policy, or to the on-call staff first for an on-call
    call-in. Nobody is told at once: the waves do it."""
    from roster.models import Roster

    with transaction.atomic():
        roster = Roster.objects.filter(unit=unit, status=Roster.Status.PUBLISHED, start_date__lte=day,
                                       end_date__gte=day).first()
        if roster is None:
            raise DomainError("No roster in force covers this day.", field="date")
        shift = marketplace.open_shift_post(actor=actor, roster=roster, day=day, shift_type=shift_type, role=role,
                                            note=note or Vacancy.Source(source).label)
        # The waves tell people; the marketplace's announcement to everyone is not sent.
        OpenShift.objects.filter(pk=shift.pk).update(announced_at=timezone.now())
        v = vacancy_for(shift, source=source, actor=actor)
        offer_in_waves(v)
        return v


def offer_in_waves(v: Vacancy) -> None:
    """A vacancy started from code is offered in waves even where its unit has no offer
    policy (tiered waves; on-call staff: broadcast); call inside its transaction."""
    if not v.policy:
        v.policy = Kind.BROADCAST if v.source == Vacancy.Source.ON_CALL else Kind.WAVES
        v.next_step_at = timezone.now()
        v.save(update_fields=["policy", "next_step_at"])
        _schedule(v)


def call_in_on_call(*, actor: Any, unit: Unit, shift_type: ShiftType, day: dt.date, role: str = "",
                    note: str = "") -> Vacancy:
    """Call in the site's on-call staff for one place on ``unit``: its first wave goes to
    everyone on call that day who may work it (every rule checked), then it escalates
    like any vacancy. For the crisis escalation to call from code, with its actor."""
    return vacancy_open(actor=actor, unit=unit, shift_type=shift_type, day=day, role=role,
                        source=Vacancy.Source.ON_CALL, note=note or "On-call staff called in")


# --- waves ------------------------------------------------------------------------------

def _policy(v: Vacancy) -> OfferPolicy:
    return OfferPolicy.objects.filter(unit_id=v.unit_id).first() or OfferPolicy(unit_id=v.unit_id, kind=v.policy)


def _pick_wave(v: Vacancy, policy: OfferPolicy, ranked: list[Candidate]) -> list[Candidate]:
    """The candidates the next wave asks, not asked before."""
    asked = set(v.offers.values_list("staff_id", flat=True))
    fresh = [c for c in ranked if c.staff.pk not in asked]
    kind = v.policy
    if v.source == Vacancy.Source.ON_CALL and v.wave == 0:
        return [c for c in fresh if c.cost == Offer.Cost.ON_CALL] or fresh[:policy.top_n]
    if kind in (Kind.BROADCAST, Kind.MANAGER_PICK):
        return fresh[:policy.top_n] if v.wave == 0 else []
    if kind == Kind.ONE_AT_A_TIME:
        return fresh[:1]
    # Tiered waves: the current tier first; once it is exhausted, widen to the next.
    while v.tier < AGENCY_TIER:
        here = [c for c in fresh if c.tier <= v.tier]
        if here:
            return here[:policy.wave_size]
        v.tier += 1
    return []


def _send_wave(v: Vacancy, policy: OfferPolicy, chosen: list[Candidate], now: dt.datetime) -> int:
    if not chosen:
        return 0
    v.wave += 1
    reply_by = now + dt.timedelta(seconds=policy.wave_seconds) if v.policy == Kind.ONE_AT_A_TIME else None
    offers = Offer.objects.bulk_create([
        Offer(vacancy=v, staff=c.staff, wave=v.wave, tier=c.tier, rank=c.rank, cost=c.cost,
              reasons=list(c.reasons), moves_from=c.moves_from, reply_by=reply_by)
        for c in chosen])
    names = ", ".join(f"{c.staff} (#{c.rank})" for c in chosen[:6]) + (f" and {len(chosen) - 6} more"
                                                                       if len(chosen) > 6 else "")
    _event(v, VacancyEvent.Kind.WAVE, f"Wave {v.wave} (tier {max(c.tier for c in chosen)}): {names}", wave=v.wave)
    link = reverse("backfill-my-offers")
    text = f"Can you work {label(v)}? First to accept gets it."
    if reply_by is not None:
        text = f"Can you work {label(v)}? Please reply by {timezone.localtime(reply_by):%H:%M}."
    phones = []
    for offer, c in zip(offers, chosen, strict=True):
        notify_staff(c.staff, text=text, link=f"{link}#offer-{offer.pk}")
        if c.staff.phone:
            phones.append(c.staff.phone)
    transaction.on_commit(partial(sms.send_many, phones, text))
    return len(chosen)


def advance(vacancy_id: int, now: dt.datetime | None = None) -> str:
    """Take the vacancy's step that is due, if any (idempotent: see the module)."""
    now = now or timezone.now()
    with transaction.atomic():
        v = (Vacancy.objects.select_for_update(of=("self",))
             .select_related("unit__site", "shift_type", "skill", "certification_type").filter(pk=vacancy_id).first())
        if v is None or v.status != Vacancy.Status.OPEN or not v.policy:
            return "closed"
        if v.next_step_at is None or v.next_step_at > now:
            return "not due"
        policy = _policy(v)
        # Replies one at a time that did not come in time.
        for offer in v.offers.filter(status=Offer.Status.OFFERED, reply_by__lte=now).select_related("staff"):
            offer.status, offer.replied_at = Offer.Status.EXPIRED, now
            offer.save(update_fields=["status", "replied_at"])
            _event(v, VacancyEvent.Kind.REPLY, f"{offer.staff}: no reply in time", wave=offer.wave, staff=offer.staff)
        if now >= v.deadline:
            done = _escalate(v, policy, now)
        else:
            sent = _send_wave(v, policy, _pick_wave(v, policy, rank(v).candidates), now)
            done = f"wave {v.wave}: {sent} offered" if sent else "no one left to ask"
            if v.policy in (Kind.ONE_AT_A_TIME, Kind.WAVES) and sent:
                v.next_step_at = min(v.deadline, now + dt.timedelta(seconds=policy.wave_seconds))
            else:
                v.next_step_at = v.deadline
        v.save(update_fields=["wave", "tier", "escalation", "next_step_at", "status", "deadline"])
        _schedule(v)
        return done


def _escalate(v: Vacancy, policy: OfferPolicy, now: dt.datetime) -> str:
    """The fill deadline passed unfilled: the next tier, then the agency, then the site's
    coordinators."""
    step = dt.timedelta(minutes=policy.escalation_minutes)
    if v.escalation == 0:
        v.escalation = 1
        asked = set(v.offers.values_list("staff_id", flat=True))
        fresh = [c for c in rank(v).candidates if c.staff.pk not in asked]
        # The next tier with anyone left in it (and everyone left below it).
        v.tier = max(v.tier + 1, min((c.tier for c in fresh), default=AGENCY_TIER - 1))
        v.tier = min(v.tier, AGENCY_TIER - 1)
        sent = _send_wave(v, policy, [c for c in fresh if c.tier <= v.tier][:max(policy.top_n, policy.wave_size)],
                          now)
        _event(v, VacancyEvent.Kind.ESCALATED, f"Unfilled at the deadline: widened to tier {v.tier} "
               f"({sent} more asked).")
        if sent:
            v.deadline = now + step
            v.next_step_at = v.deadline
            return "next tier"
    if v.escalation <= 1:
        v.escalation = 2
        v.tier = AGENCY_TIER
        AgencyRequest.objects.get_or_create(vacancy=v)
        _event(v, VacancyEvent.Kind.AGENCY, "Agency requested.")
        notify_managers(v.unit, text=f"Agency requested for {label(v)}: unfilled by staff.",
                        link=reverse("backfill-detail", args=[v.pk]))
        v.deadline = now + step
        v.next_step_at = v.deadline
        return "agency"
    v.escalation = 3
    v.status = Vacancy.Status.ESCALATED
    v.next_step_at = None
    coordinators = list(get_user_model().objects.filter(
        is_active=True, access__level=Access.Level.SITE_COORDINATOR, access__sites=v.unit.site_id).distinct())
    for user in coordinators:
        notify(user=user, text=f"Unfilled critical vacancy: {label(v)}" if v.critical
               else f"Unfilled vacancy: {label(v)}", link=reverse("backfill-detail", args=[v.pk]))
    _event(v, VacancyEvent.Kind.ESCALATED, f"Still unfilled: the site coordinators alerted ({len(coordinators)}).")
    return "coordinator"


def sweep(now: dt.datetime | None = None) -> int:
    """Every step left due (beat, each minute): what a killed worker did not finish."""
    now = now or timezone.now()
    due = list(Vacancy.objects.filter(status=Vacancy.Status.OPEN, next_step_at__lte=now)
               .exclude(policy="").values_list("pk", flat=True)[:500])
    return sum(advance(pk, now) not in ("closed", "not due") for pk in due)


# --- replies --------------------------------------------------------------------------

def _mine(actor: Any, offer_id: int) -> tuple[Staff, Offer]:
    me = access.staff_of(actor)
    offer = Offer.objects.filter(pk=offer_id).first()
    if me is None or offer is None or offer.staff_id != me.pk:
        raise NotAllowed("This offer is not yours.", field="offer")
    return me, offer


def offer_accept(*, actor: Any, offer_id: int) -> Offer:
    """Accept an offer: the first valid acceptance wins, settled under the open shift's
    and the vacancy's row locks; every rule is re-checked, and one broken since the offer
    refuses it, naming the rule. (Under the manager-pick policy it tells the manager the
    person is available.)"""
    me, offer = _mine(actor, offer_id)
    refused: RuleViolation | None = None
    with transaction.atomic():
        OpenShift.objects.select_for_update(of=("self",)).filter(vacancy__pk=offer.vacancy_id).first()
        v = Vacancy.objects.select_for_update(of=("self",)).select_related("open_shift", "unit__site",
                                                                          "shift_type").get(pk=offer.vacancy_id)
        offer = Offer.objects.select_for_update(of=("self",)).select_related("moves_from__roster__unit",
                                                                            "moves_from__shift_type").get(pk=offer.pk)
        if not v.is_open:
            raise Conflict("This place has been filled; the offer is withdrawn.", field="offer")
        if offer.status != Offer.Status.OFFERED:
            raise Conflict(f"This offer is {offer.get_status_display().lower()}.", field="offer")
        now = timezone.now()
        if v.policy == Kind.MANAGER_PICK:
            offer.status, offer.replied_at = Offer.Status.AVAILABLE, now
            offer.save(update_fields=["status", "replied_at"])
            _event(v, VacancyEvent.Kind.REPLY, f"{me}: available", wave=offer.wave, staff=me)
            notify_managers(v.unit, text=f"{me} can work {label(v)}: pick from the replies.",
                            link=reverse("backfill-detail", args=[v.pk]))
            return offer
        moved = offer.moves_from
        try:
            with transaction.atomic():
                marketplace.open_shift_claim(actor=actor, open_shift=v.open_shift, staff=me, giving_up=moved)
        except RuleViolation as exc:
            refused = exc
            offer.status, offer.replied_at = Offer.Status.REFUSED, now
            offer.note = exc.message[:300]
            offer.save(update_fields=["status", "replied_at", "note"])
            _event(v, VacancyEvent.Kind.REFUSED, f"{me} accepted, refused: {exc.message}", wave=offer.wave, staff=me)
        else:
            if moved is not None:
                # The knock-on hole: below that unit's minimum, it is offered in turn.
                post_vacated(actor=actor, vacated=[moved])
    if refused is not None:
        raise refused
    offer.refresh_from_db()
    return offer


def offer_decline(*, actor: Any, offer_id: int) -> Offer:
    me, offer = _mine(actor, offer_id)
    with transaction.atomic():
        v = Vacancy.objects.select_for_update(of=("self",)).get(pk=offer.vacancy_id)
        offer = Offer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
        if offer.status not in (Offer.Status.OFFERED, Offer.Status.AVAILABLE):
            raise Conflict(f"This offer is {offer.get_status_display().lower()}.", field="offer")
        now = timezone.now()
        offer.status, offer.replied_at = Offer.Status.DECLINED, now
        offer.save(update_fields=["status", "replied_at"])
        _event(v, VacancyEvent.Kind.REPLY, f"{me}: declined", wave=offer.wave, staff=me)
        outstanding = v.offers.filter(status__in=(Offer.Status.OFFERED, Offer.Status.AVAILABLE)).exists()
        if (v.status == Vacancy.Status.OPEN and not outstanding
                and v.policy in (Kind.ONE_AT_A_TIME, Kind.WAVES)):
            # Nobody left waiting on: the next wave now.
            v.next_step_at = now
            v.save(update_fields=["next_step_at"])
            _schedule(v)
    return offer


def vacancy_pick(*, actor: Any, offer_id: int) -> Offer:
    """The manager gives the place to one of those who said they are available."""
    offer = Offer.objects.select_related("vacancy", "staff").filter(pk=offer_id).first()
    if offer is None or not access.can_manage_unit(actor, offer.vacancy.unit_id):
        raise NotAllowed("Only the unit's managers pick from the replies.", field="offer")
    with transaction.atomic():
        OpenShift.objects.select_for_update(of=("self",)).filter(vacancy__pk=offer.vacancy_id).first()
        v = Vacancy.objects.select_for_update(of=("self",)).select_related("open_shift").get(pk=offer.vacancy_id)
        offer = Offer.objects.select_for_update(of=("self",)).select_related("staff", "moves_from__roster__unit",
                                                                            "moves_from__shift_type").get(pk=offer.pk)
        if not v.is_open:
            raise Conflict("This place has been filled.", field="offer")
        if offer.status != Offer.Status.AVAILABLE:
            raise Conflict("Pick someone who replied that they are available.", field="offer")
        Staff.objects.select_for_update().get(pk=offer.staff_id)
        marketplace.open_shift_claim(actor=actor, open_shift=v.open_shift, staff=offer.staff,
                                     giving_up=offer.moves_from)
        if offer.moves_from is not None:
            post_vacated(actor=actor, vacated=[offer.moves_from])
    offer.refresh_from_db()
    return offer


def agency_filled(*, actor: Any, vacancy_id: int, worker_name: str) -> Vacancy:
    """The agency sent someone: the vacancy is filled by the agency, the offers withdrawn."""
    worker_name = (worker_name or "").strip()
    if not worker_name:
        raise DomainError("Name the agency worker.", field="worker_name")
    if len(worker_name) > 120:
        raise DomainError("A name is at most 120 characters.", field="worker_name")
    v0 = Vacancy.objects.filter(pk=vacancy_id).first()
    if v0 is None or not access.can_manage_unit(actor, v0.unit_id):
        raise NotAllowed("Only the unit's managers record an agency fill.", field="vacancy")
    with transaction.atomic():
        shift = OpenShift.objects.select_for_update(of=("self",)).get(pk=v0.open_shift_id)
        v = Vacancy.objects.select_for_update(of=("self",)).get(pk=vacancy_id)
        if not v.is_open:
            raise Conflict("This vacancy is no longer open.", field="vacancy")
        now = timezone.now()
        v.status, v.filled_at, v.fill_tier, v.fill_cost = Vacancy.Status.AGENCY, now, AGENCY_TIER, Offer.Cost.AGENCY
        v.next_step_at = None
        v.save(update_fields=["status", "filled_at", "fill_tier", "fill_cost", "next_step_at"])
        AgencyRequest.objects.update_or_create(vacancy=v, defaults={"status": AgencyRequest.Status.FILLED,
                                                                     "worker_name": worker_name})
        _withdraw_others(v, keep=None, why="filled by the agency")
        _event(v, VacancyEvent.Kind.FILLED, f"Filled by the agency: {worker_name}")
        if shift.status == OpenShift.Status.OPEN:
            marketplace.open_shift_withdraw(actor=actor, open_shift=shift)
    return v


def _withdraw_others(v: Vacancy, *, keep: int | None, why: str) -> None:
    for offer in (v.offers.filter(status__in=(Offer.Status.OFFERED, Offer.Status.AVAILABLE))
                  .exclude(pk=keep or 0).select_related("staff")):
        offer.status, offer.replied_at = Offer.Status.WITHDRAWN, timezone.now()
        offer.save(update_fields=["status", "replied_at"])
        notify_staff(offer.staff, text=f"No longer needed: {label(v)} ({why}). Thank you.",
                     link=reverse("backfill-my-offers"))


def on_open_shift_saved(sender: Any, instance: OpenShift, created: bool, **kwargs: Any) -> None:
    """The open shift behind a vacancy was claimed (an accepted offer, a pick, or a claim
    from the open-shift list) or withdrawn: the vacancy follows, in the same transaction."""
    if created or instance.status == OpenShift.Status.OPEN:
        return
    with transaction.atomic():
        _follow(instance)


def _follow(instance: OpenShift) -> None:
    v = Vacancy.objects.select_for_update(of=("self",)).filter(open_shift=instance).first()
    if v is None or not v.is_open:
        return
    now = timezone.now()
    if instance.status == OpenShift.Status.CLAIMED and instance.claimed_by_id is not None:
        staff = instance.claimed_by
        assert staff is not None
        offer = v.offers.filter(staff=staff).first()
        v.status, v.filled_by, v.filled_at = Vacancy.Status.FILLED, staff, now
        v.assignment = instance.assignment if isinstance(instance.assignment, Assignment) else None
        v.fill_tier = offer.tier if offer else None
        v.fill_cost = offer.cost if offer else ""
        v.next_step_at = None
        v.save(update_fields=["status", "filled_by", "filled_at", "assignment", "fill_tier", "fill_cost",
                              "next_step_at"])
        if offer is not None:
            offer.status, offer.replied_at = Offer.Status.ACCEPTED, now
            offer.save(update_fields=["status", "replied_at"])
        _withdraw_others(v, keep=offer.pk if offer else None, why=f"filled by {staff}")
        AgencyRequest.objects.filter(vacancy=v, status=AgencyRequest.Status.REQUESTED).update(
            status=AgencyRequest.Status.CANCELLED)
        minutes = (now - v.created_at).total_seconds() / 60
        _event(v, VacancyEvent.Kind.FILLED, f"Filled by {staff}" + (f" (offer wave {offer.wave}, tier {offer.tier})"
               if offer else " (claimed from the open shifts)") + f" after {minutes:.0f} min.", staff=staff)
        if offer is not None:
            notify_staff(staff, text=f"Confirmed: you work {label(v)}.", link=reverse("my-shifts"))
    else:
        v.status, v.next_step_at = Vacancy.Status.CANCELLED, None
        v.save(update_fields=["status", "next_step_at"])
        _withdraw_others(v, keep=None, why="the place is no longer needed")
        _event(v, VacancyEvent.Kind.CANCELLED, "The open shift was withdrawn: no longer needed.")


TIER_LABELS = {tier: Offer.Cost(cost).label for cost, tier in TIERS.items()}
