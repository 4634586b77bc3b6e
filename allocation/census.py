"""The census of each unit, from patient movement events (admit, discharge, transfer,
ED arrival, ED departure).

Design: the census is *recomputed from the events*, never kept as a running counter.
The census of a unit at an instant t is the number of events at the unit up to t that
bring a patient in (admissions, ED arrivals, transfers in) minus those that take one out
(discharges, ED departures, transfers out). An event that arrives late or out of order
therefore needs no correction step: it is stored with the time it happened, and every
reading at or after that time counts it. One indexed aggregate per reading; a series of
readings (``census_series``) is one aggregate for its start plus the events inside it.
A unit's census starts at zero before its first event: a site joining with patients in
its beds sends them as admissions (the CSV import of history does the same).
A reading is never below zero: while a discharge has arrived and its admission not yet,
the unit reads zero rather than a negative number.

Writes: :func:`census_events_record` accepts one event or a batch, atomically. Each
event is idempotent on (sender, event id): the same message again is a duplicate that
changes nothing; the same id with different content is a conflict. Accepted events are
audited in the same transaction, and each affected unit's hours are recomputed by a task
queued once the transaction commits.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from roster.access import Level, level_of, managed_units
from roster.errors import Conflict, DomainError, NotAllowed
from roster.models import AuditEvent, Unit

from .models import CensusEvent, UnitHour
from .queue import recompute_after_commit

# Events may be stamped a little ahead of the server's clock (clocks drift); beyond this
# an event from the future is refused.
CLOCK_SKEW = dt.timedelta(minutes=5)
SENDER_MAX = 60
EVENT_ID_MAX = 100
ACUITY_MAX = 30
# Who reports events: coordinators (for their sites) and the network's administrators
# and regional coordinators. A site's system sends them under a login of its own, given
# site-coordinator access to the sites it feeds: no new level of access is needed.
REPORTERS = (Level.SITE_COORDINATOR, Level.REGIONAL_COORDINATOR, Level.ADMINISTRATOR)


@dataclass(frozen=True)
class EventIn:
    """One event as sent, before it is checked."""

    unit_id: int
    kind: str
    occurred_at: dt.datetime
    sender: str
    event_id: str
    to_unit_id: int | None = None
    acuity: str = ""

    def same_as(self, row: CensusEvent) -> bool:
        return (self.unit_id, self.kind, self.to_unit_id, self.occurred_at, self.acuity) == (
            row.unit_id, row.kind, row.to_unit_id, row.occurred_at, row.acuity)


@dataclass
class Recorded:
    """What a call recorded: events newly accepted, and duplicates already held."""

    accepted: list[CensusEvent] = field(default_factory=list)
    duplicates: list[CensusEvent] = field(default_factory=list)


def reporting_units(actor: Any) -> set[int]:
    """Units ``actor`` may report events for (``None``: the system itself, all of them)."""
    if actor is None:
        return set(Unit.objects.values_list("pk", flat=True))
    if level_of(actor) not in REPORTERS:
        return set()
    return set(managed_units(actor).values_list("pk", flat=True))


def check_event(event: EventIn, *, allowed: set[int], now: dt.datetime, prefix: str = "") -> None:
    """Refuse a bad event with a DomainError naming its field (``prefix`` locates it in a batch)."""
    def bad(name: str, message: str) -> DomainError:
        return DomainError(message, field=f"{prefix}{name}")

    if not event.sender or len(event.sender) > SENDER_MAX:
        raise bad("sender", f"Name the sending system in 1 to {SENDER_MAX} characters.")
    if not event.event_id or len(event.event_id) > EVENT_ID_MAX:
        raise bad("event_id", f"Give the sender's id for the event in 1 to {EVENT_ID_MAX} characters.")
    if event.kind not in CensusEvent.Kind.values:
        raise bad("movement", f"{event.kind!r} is not one of {', '.join(CensusEvent.Kind.values)}.")
    if event.unit_id not in allowed:
        raise bad("unit", "No unit you report for has this id.")
    if event.kind == CensusEvent.Kind.TRANSFER:
        if event.to_unit_id is None:
            raise bad("to_unit", "A transfer names the unit the patient goes to.")
        if event.to_unit_id == event.unit_id:
            raise bad("to_unit", "A transfer goes to another unit.")
        if event.to_unit_id not in allowed:
            raise bad("to_unit", "No unit you report for has this id.")
    elif event.to_unit_id is not None:
        raise bad("to_unit", "Only a transfer names a receiving unit.")
    if timezone.is_naive(event.occurred_at):
        raise bad("occurred_at", "Give the time with its UTC offset (e.g. 2026-03-01T08:15:00+00:00).")
    if event.occurred_at > now + CLOCK_SKEW:
        raise bad("occurred_at", "This time is in the future.")
    if len(event.acuity) > ACUITY_MAX:
        raise bad("acuity", f"An acuity level is at most {ACUITY_MAX} characters.")


@transaction.atomic
def census_events_record(*, actor: Any, events: Sequence[EventIn], batch: bool = False) -> Recorded:
    """Record ``events`` all together or not at all.

    Guarantees: every event is checked before anything is written, and the first bad one
    refuses the whole call with a 4xx naming its field (``events[i].field`` in a batch);
    an event already held under its (sender, event id) is a duplicate and changes
    nothing, one held with different content is a 409; each accepted event has its audit
    row; each affected unit's hours are recomputed after commit, from its earliest event.
    ``actor`` None is the system (the history import): every unit, unaudited actor.
    """
    if actor is not None and level_of(actor) not in REPORTERS:
        raise NotAllowed("Only coordinators and administrators report census events.", field="unit")
    if not events:
        raise DomainError("Send at least one event.", field="events")
    allowed = reporting_units(actor)
    now = timezone.now()
    for i, event in enumerate(events):
        check_event(event, allowed=allowed, now=now, prefix=f"events[{i}]." if batch else "")

    def where(i: int, name: str) -> str:
        return f"events[{i}].{name}" if batch else name

    # The same message twice in one batch is one event; the same id with other content is not.
    first: dict[tuple[str, str], tuple[int, EventIn]] = {}
    for i, event in enumerate(events):
        key = (event.sender, event.event_id)
        if key in first and first[key][1] != event:
            raise Conflict("This event id is used twice in the batch with different content.",
                           field=where(i, "event_id"))
        first.setdefault(key, (i, event))

    held = _held(first)
    new = []
    for key, (i, event) in first.items():
        row = held.get(key)
        if row is not None and not event.same_as(row):
            raise Conflict(f"Event {event.event_id} of {event.sender} was already received with other content.",
                           field=where(i, "event_id"))
        if row is None:
            new.append(CensusEvent(
                unit_id=event.unit_id, kind=event.kind, to_unit_id=event.to_unit_id,
                occurred_at=event.occurred_at, acuity=event.acuity, sender=event.sender,
                event_id=event.event_id,
                recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            ))
    # A concurrent request may have stored the same message since the read above: the
    # unique constraint keeps one, and this call is refused whole, to be sent again (it
    # will then find the message held).
    try:
        with transaction.atomic():
            CensusEvent.objects.bulk_create(new, batch_size=1000)
    except IntegrityError as exc:
        raise Conflict("Some of these events were received at the same moment from another request: "
                       "send them again.", field="events" if batch else "event_id") from exc
    result = Recorded(accepted=new, duplicates=list(held.values()))
    _audit(actor, result.accepted)
    earliest: dict[int, dt.datetime] = {}
    for row in result.accepted:
        for unit_id in (row.unit_id, row.to_unit_id):
            if unit_id is not None and (unit_id not in earliest or row.occurred_at < earliest[unit_id]):
                earliest[unit_id] = row.occurred_at
    for unit_id, since in sorted(earliest.items()):
        recompute_after_commit(unit_id, since)
    return result


def _held(keys: dict[tuple[str, str], Any]) -> dict[tuple[str, str], CensusEvent]:
    """The events already stored under these (sender, event id) keys."""
    if not keys:
        return {}
    by_sender: dict[str, list[str]] = defaultdict(list)
    for sender, event_id in keys:
        by_sender[sender].append(event_id)
    query = Q()
    for sender, ids in by_sender.items():
        query |= Q(sender=sender, event_id__in=ids)
    return {(row.sender, row.event_id): row for row in CensusEvent.objects.filter(query)}


def _audit(actor: Any, rows: Iterable[CensusEvent]) -> None:
    """One audit row per accepted event, written together (a batch may hold thousands)."""
    rows = list(rows)
    site_of = dict(Unit.objects.filter(pk__in={r.unit_id for r in rows}).values_list("pk", "site_id"))
    AuditEvent.objects.bulk_create([
        AuditEvent(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action="census.event", object_type=CensusEvent._meta.label, object_id=str(row.pk),
            site_id=site_of[row.unit_id], unit_id=row.unit_id,
            after={"kind": row.kind, "to_unit": row.to_unit_id, "occurred_at": row.occurred_at.isoformat(),
                   "acuity": row.acuity, "sender": row.sender, "event_id": row.event_id},
        )
        for row in rows
    ], batch_size=1000)


# --- readings ------------------------------------------------------------------------

_IN = (CensusEvent.Kind.ADMIT, CensusEvent.Kind.ED_ARRIVAL)


def _signed() -> Case:
    return Case(When(kind__in=_IN, then=Value(1)), default=Value(-1), output_field=IntegerField())


def census_at(unit_ids: Iterable[int], at: dt.datetime) -> dict[int, int]:
    """The census of each unit at ``at``, from every event up to and including it (two queries)."""
    raw = _raw_at(list(unit_ids), at)
    return {unit_id: max(0, n) for unit_id, n in raw.items()}


# The live census reads a unit's latest stored hour (``UnitHour``) and the events since.
# A stored census counts every event committed before its recompute read them; an event
# received less than this long before the row was written may have been committed after
# that read (its recompute, queued on commit, then rewrites the row), so the snapshot is
# not trusted until the row is rewritten. Far longer than a recording transaction or a
# recompute (its time limit is 150 s).
SNAPSHOT_MARGIN = dt.timedelta(minutes=10)
# How far back a snapshot is looked for: the series is rewritten every hour.
SNAPSHOT_HOURS = 3


def census_live(unit_ids: Iterable[int], at: dt.datetime) -> dict[int, int]:
    """The same reading as :func:`census_at` (exactly), in at most five queries that do
    not grow with the history: per unit, the census stored in its latest hourly row
    (``UnitHour.census`` as of ``census_as_of``) plus the events after that instant.

    A row is used only where it is exact: it counts events up to an instant at or before
    ``at`` (and not long before: ``SNAPSHOT_HOURS``), its census is above zero (a zero may
    hide a negative running total, see the module's note), and no event at or before that
    instant has been received since the row was written (less ``SNAPSHOT_MARGIN``): a
    late or out-of-order event makes the unit read from every event until its recompute
    has rewritten the row. A unit without such a row reads from every event."""
    ids = list(unit_ids)
    if not ids:
        return {}
    start = at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0) - SNAPSHOT_HOURS * dt.timedelta(hours=1)
    rows: dict[int, list[tuple[dt.datetime, dt.datetime, int]]] = defaultdict(list)
    for unit_id, as_of, computed, n in UnitHour.objects.filter(
            unit__in=ids, hour__gte=start, hour__lte=at, census_as_of__lte=at, census__gt=0).values_list(
            "unit", "census_as_of", "computed_at", "census"):
        if as_of is not None:  # the filter above leaves none without it
            rows[unit_id].append((as_of, computed, n))
    snapshot: dict[int, tuple[dt.datetime, int]] = {}
    if rows:
        latest = max(as_of for found in rows.values() for as_of, _, _ in found)
        oldest = min(computed for found in rows.values() for _, computed, _ in found)
        late: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for unit_id, to_unit_id, occurred, received in CensusEvent.objects.filter(
                Q(unit__in=list(rows)) | Q(to_unit__in=list(rows)), received_at__gte=oldest - SNAPSHOT_MARGIN,
                occurred_at__lte=latest).values_list("unit", "to_unit", "occurred_at", "received_at").order_by():
            late[unit_id].append((occurred, received))
            if to_unit_id is not None:
                late[to_unit_id].append((occurred, received))
        for unit_id, found in rows.items():
            for as_of, computed, n in sorted(found, reverse=True):
                since = computed - SNAPSHOT_MARGIN
                if not any(occurred <= as_of and received >= since for occurred, received in late.get(unit_id, ())):
                    snapshot[unit_id] = (as_of, n)
                    break
    raw: dict[int, int] = {}
    if snapshot:
        raw = {unit_id: n for unit_id, (_, n) in snapshot.items()}
        held = list(snapshot)
        for unit_id, to_unit_id, kind, occurred in CensusEvent.objects.filter(
                Q(unit__in=held) | Q(to_unit__in=held), occurred_at__gt=min(a for a, _ in snapshot.values()),
                occurred_at__lte=at).values_list("unit", "to_unit", "kind", "occurred_at").order_by():
            if unit_id in snapshot and occurred > snapshot[unit_id][0]:
                raw[unit_id] += CensusEvent.DELTA[kind]
            if to_unit_id in snapshot and occurred > snapshot[to_unit_id][0]:
                raw[to_unit_id] += 1
    rest = [unit_id for unit_id in ids if unit_id not in snapshot]
    if rest:
        raw.update(_raw_at(rest, at))
    return {unit_id: max(0, raw[unit_id]) for unit_id in ids}


def census_series(unit_ids: Iterable[int], instants: Sequence[dt.datetime]) -> dict[int, list[int]]:
    """The census of each unit at each of ``instants`` (ascending): the reading at the
    first instant, then the events between them stepped through in time order."""
    ids = list(unit_ids)
    if not instants:
        return {unit_id: [] for unit_id in ids}
    start, end = instants[0], instants[-1]
    # Unclamped running totals: a reading is clamped, the running total is not.
    running = _raw_at(ids, start)
    steps: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    window = CensusEvent.objects.filter(Q(unit__in=ids) | Q(to_unit__in=ids), occurred_at__gt=start,
                                        occurred_at__lte=end).values_list("unit", "to_unit", "kind", "occurred_at")
    for unit_id, to_unit_id, kind, at in window:
        if unit_id in running:
            steps[unit_id].append((at, CensusEvent.DELTA[kind]))
        if to_unit_id in running:
            steps[to_unit_id].append((at, 1))
    out: dict[int, list[int]] = {}
    for unit_id in ids:
        moves = sorted(steps[unit_id])
        times = [t for t, _ in moves]
        totals = []
        total = running[unit_id]
        for _at, delta in moves:
            total += delta
            totals.append(total)
        values = [max(0, running[unit_id])]
        for instant in instants[1:]:
            k = bisect.bisect_right(times, instant)
            values.append(max(0, totals[k - 1] if k else running[unit_id]))
        out[unit_id] = values
    return out


def _raw_at(ids: list[int], at: dt.datetime) -> dict[int, int]:
    """Like ``census_at`` but not clamped at zero (the start of a running total)."""
    raw: dict[int, int] = dict.fromkeys(ids, 0)
    for row in (CensusEvent.objects.filter(unit__in=ids, occurred_at__lte=at)
                .values("unit").annotate(delta=Sum(_signed())).order_by()):
        raw[row["unit"]] += row["delta"]
    for row in (CensusEvent.objects.filter(to_unit__in=ids, occurred_at__lte=at)
                .values("to_unit").annotate(n=Count("pk")).order_by()):
        raw[row["to_unit"]] += row["n"]
    return raw
