"""The audit log in words: each event as a sentence a manager reads, with a link to
what it concerns ("Mo Manager put Nia Nurse on N on Tue 03 Mar in North ICU"), rather
than a database action and row number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from . import rulebook
from .models import AuditEvent, ShiftType, Staff


@dataclass(frozen=True)
class Sentence:
    text: str
    link: str = ""


class Names:
    """The people and shift types a page of events names, fetched in two queries."""

    def __init__(self, events: Iterable[AuditEvent]) -> None:
        staff_ids: set[int] = set()
        shift_ids: set[int] = set()
        for event in events:
            for picture in (event.before, event.after):
                if isinstance(picture, dict):
                    for key, found in (("staff", staff_ids), ("requester", staff_ids), ("recipient", staff_ids),
                                       ("claimed_by", staff_ids), ("shift_type", shift_ids)):
                        if isinstance(picture.get(key), int):
                            found.add(picture[key])
        self.staff = {p.pk: str(p) for p in Staff.objects.filter(pk__in=staff_ids)}
        self.shifts = {t.pk: t.code for t in ShiftType.objects.filter(pk__in=shift_ids)}

    def person(self, pk: Any) -> str:
        return self.staff.get(pk, "someone no longer on record") if pk is not None else "nobody"

    def shift(self, pk: Any) -> str:
        return self.shifts.get(pk, "a shift")


def _day(value: Any) -> str:
    try:
        return f"{dt.date.fromisoformat(str(value)):%a %d %b %Y}"
    except ValueError:
        return str(value)


def _days(picture: dict[str, Any]) -> str:
    first, last = picture.get("start_date"), picture.get("end_date")
    if first == last or not last:
        return _day(first)
    return f"{_day(first)} to {_day(last)}"


def _link(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _thing(event: AuditEvent) -> str:
    try:
        model = apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return event.object_type
    return str(model._meta.verbose_name)


def describe(event: AuditEvent, names: Names) -> Sentence:
    """One event as a sentence (without who and when, which the log shows beside it)."""
    pic: dict[str, Any] = event.after if isinstance(event.after, dict) else (
        event.before if isinstance(event.before, dict) else {})
    before: dict[str, Any] = event.before if isinstance(event.before, dict) else {}
    action = event.action
    where = f" in {event.unit.name}" if event.unit is not None else ""
    roster_link = _link("roster-detail", pic["roster"]) if isinstance(pic.get("roster"), int) else ""
    staff_link = _link("staff-detail", pic["staff"]) if isinstance(pic.get("staff"), int) else ""
    person, shift, day = names.person(pic.get("staff")), names.shift(pic.get("shift_type")), _day(pic.get("date"))

    if action == "assignment.create":
        return Sentence(f"put {person} on {shift} on {day}{where}", roster_link)
    if action == "assignment.delete":
        return Sentence(f"took {person} off {shift} on {day}{where}", roster_link)
    if action == "assignment.swap":
        return Sentence(f"gave {names.person(before.get('staff'))}'s {shift} on {day} to {person} (a swap){where}",
                        roster_link)
    if action.startswith("roster."):
        verb = {"roster.create": "made a new draft of", "roster.generate": "generated a draft of",
                "roster.publish": "published", "roster.archive": "archived (replaced by a newer version)",
                "roster.discard": "discarded the draft of"}.get(action, action.split(".", 1)[1])
        version = f" version {pic.get('version')}" if pic.get("version") else ""
        link = _link("roster-detail", event.object_id) if action != "roster.discard" else ""
        return Sentence(f"{verb} the roster{version}{where} from {_days(pic)}", link)
    if action.startswith("leave."):
        what = f"{person}'s leave, {_days(pic)}"
        verb = {"leave.request": f"asked for leave for {person}, {_days(pic)}", "leave.approved": f"approved {what}",
                "leave.declined": f"declined {what}", "leave.cancel": f"cancelled {what}"}.get(action, action)
        return Sentence(verb, staff_link)
    if action.startswith("preference."):
        verb = {"preference.create": "filed a shift preference of", "preference.approved": "accepted the preference of",
                "preference.declined": "declined the preference of",
                "preference.withdraw": "withdrew the preference of"}.get(action, action)
        return Sentence(f"{verb} {person} on {day}", staff_link)
    if action == "waiver.create":
        codes = pic.get("rules") or [pic.get("rule")]
        waived = " and ".join(f"“{rulebook.label(str(code))}”" for code in codes)
        return Sentence(f"waived {waived} for {person} on {day}", staff_link)
    if action.startswith("swap."):
        verb = {"swap.accept": "accepted", "swap.decline": "declined", "swap.approve": "approved",
                "swap.reject": "declined (as manager)", "swap.cancel": "withdrew", "swap.offer": "offered"}.get(
            action, action.split(".", 1)[1])
        return Sentence(f"{verb} the swap of {names.person(pic.get('requester'))}'s {shift} on {day}"
                        + (f" with {names.person(pic.get('recipient'))}" if pic.get("recipient") else ""),
                        _link("swaps"))
    if action.startswith("open_shift."):
        verb = {"open_shift.post": "offered", "open_shift.claim": f"gave to {names.person(pic.get('claimed_by'))}",
                "open_shift.withdraw": "withdrew the offer of"}.get(action, action.split(".", 1)[1])
        return Sentence(f"{verb} the open {shift} shift on {day}{where}", _link("open-shift-list"))
    if action.startswith("cover_template.") or action == "coverage.override":
        verb = {"cover_template.set": "set the usual week's cover", "cover_template.delete":
                "took a line off the usual week's cover", "cover_template.apply": "applied the usual week's cover",
                "coverage.override": "set one date's own cover"}.get(action, action)
        detail = f" ({event.rationale})" if event.rationale else ""
        return Sentence(f"{verb}{where}{detail}", _link("cover-editor", event.unit_id) if event.unit_id else "")
    if action.startswith("solver_run."):
        verb = {"solver_run.request": "asked for a roster to be generated",
                "solver_run.cancel": "stopped a roster generation"}.get(action, action)
        return Sentence(f"{verb}{where}", _link("roster-run", event.object_id))
    thing = _thing(event)
    label = str(pic.get("name") or pic.get("code") or f"#{event.object_id}")
    verb = {"create": "added", "update": "changed", "delete": "deleted", "admin.create": "added (admin)",
            "admin.update": "changed (admin)"}.get(action, action.replace("_", " "))
    return Sentence(f"{verb} the {thing} {label}{where}")
