"""Census vacancies: the live census asking for more staff than are on shift opens one
vacancy per missing place for the shift running now.

Every ``CHECK_EVERY`` (beat), for each unit:

* The shift running now is the site's shift type whose interval contains now (the latest
  started, when two overlap); its day is the day it started on.
* Hysteresis: a place counts as missing only if the unit is short of that role at every
  check instant over the last ``HOLD`` (now, and every ``STEP`` back to now − ``HOLD``),
  all within this shift — so nothing opens in the shift's first ``HOLD``, and a census
  that flickers by a patient (or a late clock-in at the change of shift) opens nothing.
  The shortfall taken is the smallest seen over the window. Census vacancies are never
  cancelled automatically: a falling census leaves them to the coordinator.
* Places already under way are counted first: open shifts of that unit, shift and day
  still open (every open or escalated vacancy is one), and vacancies the agency filled
  (their worker is not on the roster). A vacancy filled by a colleague is not counted
  again: its assignment is in force, so that colleague is already on shift. An open
  place asking for no role counts against any role short.
* Only what is still missing opens, under the roster in force's row lock (two checks at
  once open it once), each an open shift of the roster in force offered in waves (the
  unit's offer policy, or tiered waves) with source "census".
* Nothing opens for a shift whose day has passed (claims for it are closed), nor where no
  published roster covers the day — the outcome says so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from roster.audit import audit_record, snapshot
from roster.models import OpenShift, Roster, ShiftType, Unit
from roster.notifications import notify_managers
from roster.timeutil import shift_interval

from ..models.backfill import Vacancy
from ..staffing import UnitStatus, unit_statuses
from . import offers

CENSUS_CHECK = "allocation.tasks.backfill_census"
CHECK_EVERY = dt.timedelta(minutes=10)
HOLD = dt.timedelta(minutes=30)
STEP = dt.timedelta(minutes=10)
NOTE = "Census asks for more staff"


@dataclass(frozen=True)
class ShiftNow:
    shift_type: ShiftType
    day: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass
class Outcome:
    """One unit's check: the vacancies it opened, or why none."""

    unit_id: int
    unit: str
    opened: list[int] = field(default_factory=list)
    note: str = ""


def shift_now(types: Iterable[ShiftType], tz_name: str, now: dt.datetime) -> ShiftNow | None:
    """The shift type running at ``now`` on the site's clock (the latest started)."""
    local_day = now.astimezone(ZoneInfo(tz_name)).date()
    running = []
    for st in types:
        for day in (local_day, local_day - dt.timedelta(days=1)):
            starts, ends = shift_interval(day, st.start_time, st.duration_minutes, tz_name)
            if starts <= now < ends:
                running.append((starts, -st.pk, ShiftNow(st, day, starts, ends)))
    return max(running, key=lambda r: (r[0], r[1]))[2] if running else None


def held_shortfall(samples: Iterable[UnitStatus]) -> dict[str, int]:
    """The places short of each role at every sample (the smallest shortfall seen)."""
    held: dict[str, int] | None = None
    for status in samples:
        short = status.short
        held = dict(short) if held is None else {r: min(n, short[r]) for r, n in held.items() if r in short}
    return held or {}


def _pending(unit: Unit, now_shift: ShiftNow) -> Counter[str]:
    """Places already under way for the unit's shift, by role ("" asks for none)."""
    where = {"date": now_shift.day, "shift_type": now_shift.shift_type}
    pending: Counter[str] = Counter(OpenShift.objects.filter(
        roster__unit=unit, status=OpenShift.Status.OPEN, **where).values_list("role", flat=True))
    pending.update(Vacancy.objects.filter(unit=unit, status=Vacancy.Status.AGENCY, **where)
                   .values_list("role", flat=True))
    return pending


def missing_places(short: dict[str, int], pending: Counter[str]) -> dict[str, int]:
    """The shortfall less the places already under way; a role-less place counts against
    any role still short (in the roles' order)."""
    missing = {role: max(0, n - pending.get(role, 0)) for role, n in sorted(short.items())}
    spare = pending.get("", 0)
    for role in missing:
        take = min(spare, missing[role])
        missing[role] -= take
        spare -= take
    return {role: n for role, n in missing.items() if n > 0}


def _open(unit: Unit, now_shift: ShiftNow, short: dict[str, int], status: UnitStatus) -> tuple[list[int], str]:
    with transaction.atomic():
        roster = (Roster.objects.select_for_update(of=("self",))
                  .filter(unit=unit, status=Roster.Status.PUBLISHED, start_date__lte=now_shift.day,
                          end_date__gte=now_shift.day).order_by("-version", "-pk").first())
        if roster is None:
            return [], f"No roster in force covers {now_shift.day}: no census vacancy opened."
        missing = missing_places(short, _pending(unit, now_shift))
        if not missing:
            return [], "Short, but every missing place is already offered."
        opened = []
        st = now_shift.shift_type
        why = (f"Census {status.census} needs " + ", ".join(f"{status.required[r]} {r}" for r in sorted(missing))
               + f"; short for {int(HOLD.total_seconds() // 60)} minutes.")
        for role, n in missing.items():
            for _ in range(n):
                shift = OpenShift.objects.create(roster=roster, date=now_shift.day, shift_type=st, role=role,
                                                 note=NOTE, announced_at=timezone.now())
                audit_record(actor=None, action="open_shift.post", obj=shift, after=snapshot(shift), rationale=why)
                v = offers.vacancy_for(shift, source=Vacancy.Source.CENSUS)
                offers.offer_in_waves(v)
                opened.append(v.pk)
        places = ", ".join(f"{n} {r}" for r, n in missing.items())
        notify_managers(unit, text=f"{unit.name}: {why} Vacancies opened for {st.code} {now_shift.day:%a %d %b}: "
                        f"{places}.", link=reverse("backfill-list"))
        return opened, f"Opened {len(opened)} census vacancies ({places})."


def census_vacancies_open(*, now: dt.datetime | None = None, units: Iterable[Unit] | None = None) -> list[Outcome]:
    """Check each unit (all by default) and open the census vacancies its held shortfall
    asks for (see the module). Idempotent: a second run finds the places under way."""
    now = now or timezone.now()
    unit_list = list(units if units is not None else Unit.objects.select_related("site").order_by("pk"))
    if not unit_list:
        return []
    instants = [now - HOLD + k * STEP for k in range(int(HOLD / STEP) + 1)]
    samples = [unit_statuses(unit_list, at) for at in instants]
    types: dict[int, list[ShiftType]] = {}
    for st in ShiftType.objects.filter(site__in={u.site_id for u in unit_list}):
        types.setdefault(st.site_id, []).append(st)
    outcomes = []
    for i, unit in enumerate(unit_list):
        out = Outcome(unit.pk, unit.name)
        outcomes.append(out)
        running = shift_now(types.get(unit.site_id, ()), unit.site.timezone, now)
        if running is None:
            out.note = "No shift runs now."
            continue
        if running.starts_at > now - HOLD:
            out.note = f"The shift started less than {int(HOLD.total_seconds() // 60)} minutes ago: waiting."
            continue
        short = held_shortfall(s[i] for s in samples)
        if not short:
            out.note = "Not short (or not for long enough)."
            continue
        if running.day < timezone.localdate(now):
            out.note = f"The {running.shift_type.code} shift of {running.day} is from a day that has passed."
            continue
        out.opened, out.note = _open(unit, running, short, samples[-1][i])
    return outcomes
