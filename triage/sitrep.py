"""Situation reports generated from live data, in the field's layout.

A report holds: the time, the level, who issued it, the current situation (a short
text the issuer writes), the resource status table (per type: available, deployed,
inbound, gap), the actions taken with their times (level changes, playbook steps and
the site's audit log since the previous report), the immediate needs with quantity
and urgency, the facility status summary (each system fully, partially or not
functional) and the time of the next update (the issuer is reminded when it comes due).

:func:`draft` computes the figures at an instant; :func:`sitrep_issue` stores them as
the next version, so an issued report keeps the numbers of its moment. :func:`pdf`
renders one with ReportLab.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from allocation.staffing import unit_statuses
from assets.models import Item
from assets.states import GROUPS, Group, State
from roster.audit import audit_record, snapshot
from roster.errors import DomainError, NotAllowed
from roster.models import REASON_MAX, AuditEvent, Site, Unit
from roster.notifications import notify

from .crisis_state import levels_of, network_level, positions_held, sees_crisis, state_of
from .escalation_rules import level_name
from .models import LevelChange, PlaybookTask, SituationReport

FULL, PARTIAL, NONE = "full", "partial", "none"
FACILITY_STATES = {FULL: "Fully functional", PARTIAL: "Partially functional", NONE: "Not functional"}
# Systems the issuer reports by hand (the others are read from live data).
REPORTED_SYSTEMS = ("Power", "Water", "Medical gases", "IT and communications")
MAX_ROWS = 200


@dataclass
class Draft:
    site_id: int | None
    at: dt.datetime
    level: int
    resources: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, str]] = field(default_factory=list)
    needs: list[dict[str, Any]] = field(default_factory=list)
    facility: list[dict[str, str]] = field(default_factory=list)


def _units(site: Site | None) -> list[Unit]:
    units = Unit.objects.select_related("site").order_by("site__name", "name")
    return list(units.filter(site=site) if site else units)


def _staff_and_beds(units: list[Unit], at: dt.datetime, report: Draft) -> None:
    statuses = unit_statuses(units, at) if units else []
    on_shift: dict[str, int] = defaultdict(int)
    required: dict[str, int] = defaultdict(int)
    census = beds = staffed = 0
    for s in statuses:
        for role, n in s.on_shift_by_role.items():
            on_shift[role] += n
        for role, n in s.required.items():
            required[role] += n
        census, beds, staffed = census + s.census, beds + s.beds, staffed + s.staffed_beds
        for role, missing in s.short.items():
            report.needs.append({"what": f"{role} for {s.unit}", "quantity": missing,
                                 "urgency": "immediate" if s.zone and s.zone.name in ("stressed", "saturated")
                                 else "within the shift"})
    for role in sorted(set(on_shift) | set(required)):
        report.resources.append({"type": f"Staff: {role}", "available": on_shift.get(role, 0), "deployed": 0,
                                 "inbound": 0, "gap": max(required.get(role, 0) - on_shift.get(role, 0), 0)})
    report.resources.append({"type": "Staffed beds", "available": max(staffed - census, 0), "deployed": census,
                             "inbound": 0, "gap": max(census - staffed, 0)})
    if census > staffed:
        report.needs.append({"what": "staffed beds", "quantity": census - staffed, "urgency": "immediate"})
    short = sum(max(required.get(r, 0) - on_shift.get(r, 0), 0) for r in required)
    need = sum(required.values())
    staffing = FULL if short == 0 else (NONE if need and short * 2 >= need else PARTIAL)
    report.facility.append({"system": "Staffing", "status": staffing,
                            "note": f"{short} short of {need} required" if short else "Every ratio met"})
    beds_state = FULL if census < staffed else (PARTIAL if census == staffed and staffed else NONE)
    report.facility.append({"system": "Beds", "status": beds_state,
                            "note": f"{census} patients in {staffed} staffed beds ({beds} beds)"})


def _equipment(site: Site | None, report: Draft) -> None:
    items = Item.objects.exclude(state__in=GROUPS[Group.RETIRED])
    inbound = Item.objects.filter(state=State.IN_TRANSIT)
    if site is not None:
        items = items.filter(site=site)
        inbound = inbound.filter(destination__site=site)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"available": 0, "deployed": 0, "unavailable": 0,
                                                             "inbound": 0})
    for name, state in items.values_list("asset_type__name", "state"):
        if state in (State.READY, State.STANDBY):
            counts[name]["available"] += 1
        elif state in GROUPS[Group.IN_USE] or state == State.RESERVED:
            counts[name]["deployed"] += 1
        else:
            counts[name]["unavailable"] += 1
    for (name,) in inbound.values_list("asset_type__name"):
        counts[name]["inbound"] += 1
    total_out = 0
    for name in sorted(counts):
        row = counts[name]
        report.resources.append({"type": f"Equipment: {name}", "available": row["available"],
                                 "deployed": row["deployed"], "inbound": row["inbound"], "gap": 0})
        total_out += row["unavailable"]
    usable = sum(r["available"] + r["deployed"] for r in counts.values())
    status = FULL if total_out == 0 else (PARTIAL if usable else NONE)
    report.facility.append({"system": "Equipment", "status": status,
                            "note": f"{total_out} device(s) out of service" if total_out else "All in service"})


def _actions(site: Site | None, since: dt.datetime, at: dt.datetime, report: Draft) -> None:
    changes = LevelChange.objects.filter(at__gt=since, at__lte=at).select_related("by")
    tasks = PlaybookTask.objects.filter(done_at__gt=since, done_at__lte=at).select_related("change")
    events = AuditEvent.objects.filter(at__gt=since, at__lte=at).exclude(action__startswith="crisis.") \
        .select_related("actor")
    if site is not None:
        changes, tasks, events = changes.filter(site=site), tasks.filter(change__site=site), events.filter(site=site)
    rows: list[tuple[dt.datetime, str]] = []
    for c in changes:
        rows.append((c.at, f"Level {level_name(c.from_level)} → {level_name(c.to_level)}, by {c.by}: {c.reason}"))
    for t in tasks:
        if t.done_at:
            rows.append((t.done_at, f"Playbook: {t.title} — {t.get_status_display().lower()}"
                                    + (f" ({t.result})" if t.result else "")))
    for e in events[:MAX_ROWS]:
        rows.append((e.at, f"{e.action.replace('.', ' ')} ({e.object_type.split('.')[-1]} {e.object_id})"
                           + (f" by {e.actor}" if e.actor else "")))
    rows.sort(key=lambda r: r[0])
    tz = timezone.get_current_timezone()
    report.actions = [{"at": when.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "text": text[:300]}
                      for when, text in rows[-MAX_ROWS:]]


def draft(site: Site | None, *, at: dt.datetime | None = None) -> Draft:
    """The report's figures for ``site`` (None: the network) at ``at``, from live data."""
    at = at or timezone.now()
    level = (levels_of([site.pk])[site.pk] if site else network_level())
    report = Draft(site_id=site.pk if site else None, at=at, level=level)
    _staff_and_beds(_units(site), at, report)
    _equipment(site, report)
    last = SituationReport.objects.filter(site=site, issued_at__lte=at).order_by("-issued_at").first()
    _actions(site, last.issued_at if last else at - dt.timedelta(hours=24), at, report)
    return report


def _facility(reported: Mapping[str, str], notes: Mapping[str, str]) -> list[dict[str, str]]:
    rows = []
    for system in REPORTED_SYSTEMS:
        status = reported.get(system, FULL)
        if status not in FACILITY_STATES:
            raise DomainError(f"{system}: choose fully, partially or not functional.", field="facility")
        rows.append({"system": system, "status": status, "note": (notes.get(system) or "")[:200]})
    return rows


def may_issue(user: Any, site: Site | None) -> bool:
    """Whoever holds a crisis position at the site (or for the network) issues its
    reports; so do coordinators of the site and network-wide ones."""
    from roster import access

    if positions_held(user, site):
        return True
    if access.is_network_wide(user):
        return True
    return site is not None and access.managed_sites(user).filter(pk=site.pk).exists()


def sitrep_issue(*, actor: Any, site: Site | None, situation: str, next_update_at: dt.datetime,
                 reported: Mapping[str, str] | None = None, notes: Mapping[str, str] | None = None,
                 at: dt.datetime | None = None) -> SituationReport:
    """Issue the next version of the site's report with the live figures of now."""
    at = at or timezone.now()
    situation = (situation or "").strip()
    if not situation:
        raise DomainError("Describe the current situation.", field="situation")
    if len(situation) > REASON_MAX:
        raise DomainError(f"The situation is longer than {REASON_MAX} characters.", field="situation")
    if next_update_at <= at:
        raise DomainError("The next update must be later than now.", field="next_update_at")
    if next_update_at > at + dt.timedelta(days=2):
        raise DomainError("The next update must be within 48 hours.", field="next_update_at")
    if not may_issue(actor, site):
        raise NotAllowed("Only the site's crisis positions and coordinators issue its situation reports.",
                         field="site")
    facility = _facility(reported or {}, notes or {})
    report = draft(site, at=at)
    for _ in range(3):
        try:
            with transaction.atomic():
                state_of(site)  # the row exists: lock it so versions are taken in turn
                from .models import CrisisState

                CrisisState.objects.select_for_update().filter(site=site).first()
                version = (SituationReport.objects.filter(site=site).aggregate(v=Max("version"))["v"] or 0) + 1
                sitrep = SituationReport.objects.create(
                    site=site, version=version, issued_at=at, issued_by=actor, level=report.level,
                    situation=situation, resources=report.resources, actions=report.actions, needs=report.needs,
                    facility=report.facility + facility, next_update_at=next_update_at,
                )
                audit_record(actor=actor, action="crisis.sitrep", obj=sitrep, after=snapshot(sitrep),
                             rationale=f"Situation report {version} issued")
                return sitrep
        except IntegrityError:
            continue
    raise DomainError("Another report was issued at the same moment; try again.", field="site")


def visible_reports(user: Any, site: Site | None) -> list[SituationReport]:
    if not sees_crisis(user, site):
        return []
    return list(SituationReport.objects.filter(site=site).select_related("issued_by"))


def due_reminders(now: dt.datetime | None = None) -> int:
    """Remind each issuer whose report's next update has come due (once per report,
    and only for the latest version of its site)."""
    now = now or timezone.now()
    sent = 0
    latest = SituationReport.objects.values("site").annotate(v=Max("version"))
    keys = Q()
    for row in latest:
        keys |= Q(site=row["site"], version=row["v"])
    if not latest:
        return 0
    for report in SituationReport.objects.filter(keys, next_update_at__lte=now, reminded_at__isnull=True) \
            .select_related("site", "issued_by"):
        with transaction.atomic():
            updated = SituationReport.objects.filter(pk=report.pk, reminded_at__isnull=True).update(reminded_at=now)
            if updated:
                from django.urls import reverse

                place = report.site.name if report.site else "the network"
                notify(user=report.issued_by, text=f"The next situation report for {place} is due now "
                                                   f"(version {report.version} said {report.next_update_at:%H:%M}).",
                       link=reverse("crisis:site", args=[report.site_id]) if report.site_id
                       else reverse("crisis:network"))
                sent += 1
    return sent


def pdf(report: SituationReport) -> bytes:
    """The report as a PDF (ReportLab)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"Situation report {report.version}")
    place = report.site.name if report.site else "The network"
    tz = timezone.get_current_timezone()

    def table(header: list[str], rows: list[list[Any]]) -> Table:
        t = Table([header, *rows] if rows else [header, ["—"] + [""] * (len(header) - 1)], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                               ("FONTSIZE", (0, 0), (-1, -1), 9), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    def esc(text: Any) -> str:
        return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    story: list[Any] = [
        Paragraph(esc(f"Situation report {report.version} — {place}"), styles["Title"]),
        Paragraph(esc(f"Issued {report.issued_at.astimezone(tz):%Y-%m-%d %H:%M} by {report.issued_by}. "
                      f"Level {level_name(report.level)}. Next update "
                      f"{report.next_update_at.astimezone(tz):%Y-%m-%d %H:%M}."), styles["Normal"]),
        Spacer(1, 8), Paragraph("Current situation", styles["Heading2"]),
        Paragraph(esc(report.situation), styles["Normal"]),
        Paragraph("Resource status", styles["Heading2"]),
        table(["Type", "Available", "Deployed", "Inbound", "Gap"],
              [[esc(r["type"]), r["available"], r["deployed"], r["inbound"], r["gap"]] for r in report.resources]),
        Paragraph("Actions taken", styles["Heading2"]),
        table(["Time", "Action"], [[a["at"], Paragraph(esc(a["text"]), styles["Normal"])] for a in report.actions]),
        Paragraph("Immediate needs", styles["Heading2"]),
        table(["Need", "Quantity", "Urgency"], [[esc(n["what"]), n["quantity"], n["urgency"]] for n in report.needs]),
        Paragraph("Facility status", styles["Heading2"]),
        table(["System", "Status", "Note"],
              [[f["system"], FACILITY_STATES.get(f["status"], f["status"]), Paragraph(esc(f.get("note", "")),
                                                                                       styles["Normal"])]
               for f in report.facility]),
    ]
    doc.build(story)
    return buffer.getvalue()
