"""Read helpers for the pages: querysets already scoped by ``roster.access``, shaped for
display (related rows joined, counts annotated) so a list costs a fixed number of queries.

Visibility is never decided here: every function starts from an ``access`` selector.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from . import access, placement
from .certifications import EXPIRY_WARNING_DAYS
from .marketplace import eligible_open_shifts
from .models import (
    Assignment,
    AuditEvent,
    Certification,
    Leave,
    OpenShift,
    Preference,
    Roster,
    Site,
    Staff,
    SwapRequest,
    Unit,
)
from .rulebook import DEFAULTS, FatigueSettings


def sites_in_scope(user: Any) -> QuerySet[Site]:
    """Sites whose units a user sees, plus the sites they coordinate.

    (``access.visible_sites`` ORs a ``distinct()`` queryset with a plain one, which Django
    refuses with a TypeError; one filter with both conditions says the same thing.)
    """
    return (
        Site.objects.filter(Q(units__in=access.visible_units(user)) | Q(pk__in=access.managed_sites(user)))
        .distinct()
        .order_by("name")
    )


def unit_list(user: Any) -> QuerySet[Unit]:
    return (
        access.visible_units(user)
        .select_related("site")
        .annotate(staff_count=Count("staff", filter=Q(staff__active=True), distinct=True))
        .order_by("site__name", "name")
    )


def unit_detail(user: Any) -> QuerySet[Unit]:
    """Units ``user`` may open. Anything else is a 404, not a 403, so a unit's existence
    is not revealed outside one's scope."""
    return unit_list(user).prefetch_related(
        "ratio_rules__shift_type",
        "skill_mix_rules__skill",
        "skill_mix_rules__certification_type",
    )


@dataclass(frozen=True)
class FatigueInForce:
    """The fatigue limits that apply on a unit and where they come from."""

    source: str
    limits: FatigueSettings

    @property
    def rows(self) -> list[tuple[str, str]]:
        lim = self.limits
        return [
            ("Longest shift", _hours(lim.max_shift_minutes)),
            ("Minimum rest between shifts", _hours(lim.min_rest_minutes)),
            ("Most hours in any 7 days", _hours(lim.max_minutes_7_days)),
            ("Most consecutive days", str(lim.max_consecutive_days)),
            ("Most consecutive nights", str(lim.max_consecutive_nights)),
        ]


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if not rest else f"{hours} h {rest:02d} min"


def fatigue_in_force(unit: Unit) -> FatigueInForce:
    """The unit's own rules if it has them, else its site's, else the field's defaults
    (``placement.unit_settings``, which every rule check uses)."""
    in_force = placement.RulesInForce([unit])
    source = {"unit": "This unit's own rules", "site": f"{unit.site.name} site rules",
              "defaults": "Network defaults (field guidance)"}[in_force.source(unit.pk)]
    return FatigueInForce(source, in_force.settings(unit.pk) or DEFAULTS)


def staff_list(user: Any) -> QuerySet[Staff]:
    return (
        access.visible_staff(user)
        .select_related("home_unit__site")
        .prefetch_related("skills")
        .order_by("last_name", "first_name", "pk")
    )


def staff_search(qs: QuerySet[Staff], text: str) -> QuerySet[Staff]:
    """Every word must match a first or last name (``"nia nur"`` finds Nia Nurse)."""
    for word in text.split():
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return qs


def staff_detail(user: Any) -> QuerySet[Staff]:
    """People ``user`` may open (404 for anyone else)."""
    return (
        access.visible_staff(user)
        .select_related("home_unit__site", "contract")
        .prefetch_related(
            "skills", "cross_trained_units",
            Prefetch("certifications", queryset=Certification.objects.select_related("type").order_by(F("expires").asc(nulls_last=True))),
        )
    )


def leave_of(staff: Staff) -> QuerySet[Leave]:
    """A person's leave, newest first. Private: call only after ``access.can_see_private``."""
    return staff.leave.select_related("decided_by").order_by("-start_date")


def upcoming_shifts(staff: Staff, *, limit: int = 10) -> QuerySet[Assignment]:
    """The person's shifts still to come in published rosters (the versions in force)."""
    return (
        Assignment.objects.filter(
            staff=staff, live=True, roster__status=Roster.Status.PUBLISHED, ends_at__gte=timezone.now()
        )
        .select_related("shift_type", "roster__unit__site")
        .order_by("starts_at")[:limit]
    )


def certification_list(user: Any) -> QuerySet[Certification]:
    """Certifications of the people a user manages (none for staff)."""
    return (
        Certification.objects.filter(staff__home_unit__in=access.managed_units(user))
        .select_related("staff__home_unit__site", "type")
        .order_by(
            # Undated certifications never lapse: last (on every database; SQLite, the
            # embedded default, puts NULL first unless told).
            F("expires").asc(nulls_last=True),
            "staff__last_name",
            "pk",
        )
    )


def expiry_state(cert: Certification, today: dt.date) -> str:
    """``pending`` (issued after today: not valid yet), ``expired``, ``expiring`` (within
    the 30-day warning window), ``valid`` or ``lifelong``."""
    if cert.issued > today:
        return "pending"
    if cert.expires is None:
        return "lifelong"
    if cert.expires < today:
        return "expired"
    if cert.expires <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


def audit_list(user: Any) -> QuerySet[AuditEvent]:
    """The log a user may read (``access.visible_audit``), with who and where."""
    return access.visible_audit(user).select_related("actor", "site", "unit")


def audit_changes(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """The fields an event changed, as (field, before, after)."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = sorted(set(before) | set(after))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k) and k != "id"]


@dataclass
class Dashboard:
    level: str | None
    me: Staff | None
    units: list[Unit]
    sites: list[Site]
    unit_count: int = 0
    staff_count: int = 0
    expiring: list[Certification] | None = None
    expiring_count: int = 0
    expired_count: int = 0
    shifts: list[Assignment] | None = None
    my_certifications: list[Certification] | None = None
    # A manager's "needs your attention": (what, where to act on it), only what is waiting.
    attention: list[tuple[str, str]] | None = None
    # The same for a staff member's own things (offers to them, open shifts, requests).
    mine: list[tuple[str, str]] | None = None


# Open shifts still unfilled this many days ahead are worth a manager's attention.
OPEN_SHIFT_HORIZON_DAYS = 14


def my_attention(me: Staff, *, today: dt.date) -> list[tuple[str, str]]:
    """What waits for a staff member: offers made to them, open shifts where they may
    work, their own requests not yet decided; each with the page to act on it."""
    counts = [
        (SwapRequest.objects.filter(recipient=me, status=SwapRequest.Status.OFFERED).count(),
         "swap offer waiting for your answer", "swap offers waiting for your answer", reverse("swaps")),
        # Only those she may take now (leave, rest, qualifications): the open shifts page's answer.
        (len(eligible_open_shifts(me)),
         "open shift you may take", "open shifts you may take", reverse("open-shift-list")),
        (Leave.objects.filter(staff=me, status=Leave.Status.REQUESTED).count(),
         "leave request of yours not yet decided", "leave requests of yours not yet decided",
         reverse("my-requests")),
    ]
    return [(f"{n} {one if n == 1 else many}", href) for n, one, many, href in counts if n]


def attention(user: Any, *, today: dt.date) -> list[tuple[str, str]]:
    """What waits for a manager's decision or action in their units, each with the page
    to act on it: requests, swaps, open shifts not yet taken, drafts that cannot be
    published as they are (someone rostered on approved leave)."""
    units = access.managed_units(user)
    on_leave = Leave.objects.filter(staff=OuterRef("staff"), status=Leave.Status.APPROVED,
                                    start_date__lte=OuterRef("date"), end_date__gte=OuterRef("date"))
    blocked = list(
        Roster.objects.filter(unit__in=units, status=Roster.Status.DRAFT)
        .filter(Exists(Assignment.objects.filter(roster=OuterRef("pk")).filter(Exists(on_leave))))
        .values_list("pk", flat=True)
    )
    horizon = today + dt.timedelta(days=OPEN_SHIFT_HORIZON_DAYS)
    counts = [
        (Leave.objects.filter(staff__home_unit__in=units, status=Leave.Status.REQUESTED).count(),
         "leave request", "leave requests", reverse("request-queue")),
        (Preference.objects.filter(staff__home_unit__in=units, date__gte=today,
                                   status=Preference.Status.REQUESTED).count(),
         "shift preference", "shift preferences", reverse("request-queue")),
        (SwapRequest.objects.filter(unit__in=units, status=SwapRequest.Status.ACCEPTED).count(),
         "swap to approve", "swaps to approve", reverse("swaps")),
        (OpenShift.objects.filter(roster__unit__in=units, status=OpenShift.Status.OPEN,
                                  date__range=(today, horizon)).count(),
         f"open shift not yet taken in the next {OPEN_SHIFT_HORIZON_DAYS} days",
         f"open shifts not yet taken in the next {OPEN_SHIFT_HORIZON_DAYS} days", reverse("open-shift-list")),
        (len(blocked), "draft rosters someone on approved leave", "drafts roster someone on approved leave",
         reverse("roster-detail", args=[blocked[0]]) if len(blocked) == 1 else reverse("roster-index")),
    ]
    return [(f"{n} {one if n == 1 else many}", href) for n, one, many, href in counts if n]


def dashboard(user: Any, *, today: dt.date) -> Dashboard:
    level = access.level_of(user)
    me = access.staff_of(user)
    units = list(access.visible_units(user).select_related("site").order_by("site__name", "name")[:50])
    sites = list(sites_in_scope(user))
    board = Dashboard(level=level, me=me, units=units, sites=sites)
    board.unit_count = access.visible_units(user).count()
    board.staff_count = access.visible_staff(user).filter(active=True).count()
    if level not in (None, access.Level.STAFF):
        certs = certification_list(user)
        soon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
        expiring = certs.filter(expires__gte=today, expires__lte=soon)
        board.expiring_count = expiring.count()
        board.expiring = list(expiring[:10])
        board.expired_count = certs.filter(expires__lt=today).count()
        board.attention = attention(user, today=today)
    if me is not None:
        board.mine = my_attention(me, today=today)
        board.shifts = list(upcoming_shifts(me))
        board.my_certifications = list(me.certifications.select_related("type").order_by(F("expires").asc(nulls_last=True)))
    return board


@dataclass(frozen=True)
class LeaveBalance:
    """A person's annual leave in one calendar year: what the contract gives and what is
    approved (requests still waiting are not counted)."""

    year: int
    entitled: int
    taken: int

    @property
    def left(self) -> int:
        return self.entitled - self.taken


def leave_balances(leave: Iterable[Leave]) -> dict[int, LeaveBalance | None]:
    """For each leave request (by id), its person's annual leave balance in the year it
    starts (None without a contract), in one query for the whole page."""
    rows = [row for row in leave if row.staff.contract_id is not None]
    wanted = {(row.staff_id, row.start_date.year) for row in rows}
    taken: dict[tuple[int, int], int] = {key: 0 for key in wanted}
    if wanted:
        years = {year for _, year in wanted}
        for other in Leave.objects.filter(
            staff_id__in={staff for staff, _ in wanted}, status=Leave.Status.APPROVED, kind=Leave.Kind.ANNUAL,
            start_date__lte=dt.date(max(years), 12, 31), end_date__gte=dt.date(min(years), 1, 1),
        ):
            for year in years:
                key = (other.staff_id, year)
                if key in taken:
                    lo = max(other.start_date, dt.date(year, 1, 1))
                    hi = min(other.end_date, dt.date(year, 12, 31))
                    taken[key] += max(0, (hi - lo).days + 1)
    found: dict[int, LeaveBalance | None] = {row.pk: None for row in leave}
    for row in rows:
        assert row.staff.contract is not None
        found[row.pk] = LeaveBalance(row.start_date.year, row.staff.contract.annual_leave_days,
                                     taken[(row.staff_id, row.start_date.year)])
    return found
