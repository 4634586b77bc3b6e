"""Census events: late, duplicate and out-of-order events, transfers, batches accepted
whole or not at all, the hourly readings, the history import, and the task queued after
commit."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from allocation.census import census_at, census_events_record, census_series
from allocation.models import CensusEvent
from allocation.queue import RECOMPUTE_UNIT_HOURS
from roster.errors import Conflict, DomainError, NotAllowed
from roster.models import AuditEvent

from .helpers import T, ev

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def test_the_census_at_an_instant_counts_every_event_up_to_it(world):
    census_events_record(actor=world.coordinator, events=[
        ev(world.icu, "admit", T - 3 * H), ev(world.icu, "admit", T - 2 * H), ev(world.icu, "discharge", T - H),
    ], batch=True)
    assert census_at([world.icu.pk], T - 3 * H) == {world.icu.pk: 1}  # an event at the instant counts
    assert census_at([world.icu.pk], T - 2 * H) == {world.icu.pk: 2}
    assert census_at([world.icu.pk], T) == {world.icu.pk: 1}


def test_a_late_event_corrects_every_reading_after_the_time_it_happened(world):
    census_events_record(actor=world.coordinator, events=[ev(world.icu, "admit", T - 4 * H)])
    before = census_series([world.icu.pk], [T - 3 * H, T - 2 * H, T - H])[world.icu.pk]
    assert before == [1, 1, 1]
    # Sent now, happened 2½ hours ago.
    census_events_record(actor=world.coordinator, events=[ev(world.icu, "admit", T - dt.timedelta(minutes=150))])
    assert census_series([world.icu.pk], [T - 3 * H, T - 2 * H, T - H])[world.icu.pk] == [1, 2, 2]


def test_events_out_of_order_give_the_same_census_as_in_order(world):
    times = [T - 5 * H, T - 4 * H, T - 3 * H, T - 2 * H]
    kinds = ["admit", "admit", "discharge", "admit"]
    # The discharge arrives before the admissions it follows: the unit reads zero, not
    # minus one, until they arrive.
    census_events_record(actor=world.coordinator, events=[ev(world.ward, kinds[2], times[2])])
    assert census_at([world.ward.pk], T) == {world.ward.pk: 0}
    for i in (3, 1, 0):
        census_events_record(actor=world.coordinator, events=[ev(world.ward, kinds[i], times[i])])
    assert census_series([world.ward.pk], times)[world.ward.pk] == [1, 2, 1, 2]


def test_the_same_event_sent_twice_is_recorded_once(world):
    event = ev(world.icu, "admit", T - H, event_id="A-17")
    first = census_events_record(actor=world.coordinator, events=[event])
    again = census_events_record(actor=world.coordinator, events=[event])
    assert len(first.accepted) == 1 and not first.duplicates
    assert not again.accepted and [e.pk for e in again.duplicates] == [first.accepted[0].pk]
    assert CensusEvent.objects.count() == 1
    assert census_at([world.icu.pk], T) == {world.icu.pk: 1}
    assert AuditEvent.objects.filter(action="census.event").count() == 1


def test_the_same_id_from_another_sender_is_another_event(world):
    census_events_record(actor=world.coordinator, events=[ev(world.icu, "admit", T - H, event_id="1", sender="a")])
    census_events_record(actor=world.coordinator, events=[ev(world.icu, "admit", T - H, event_id="1", sender="b")])
    assert census_at([world.icu.pk], T) == {world.icu.pk: 2}


def test_an_id_sent_again_with_other_content_is_a_conflict_naming_the_event_id(world):
    census_events_record(actor=world.coordinator, events=[ev(world.icu, "admit", T - H, event_id="X")])
    with pytest.raises(Conflict) as caught:
        census_events_record(actor=world.coordinator, events=[ev(world.icu, "discharge", T - H, event_id="X")])
    assert caught.value.field == "event_id"
    assert CensusEvent.objects.get().kind == "admit"


def test_a_transfer_moves_a_patient_from_one_unit_to_the_other_at_its_time(world):
    census_events_record(actor=world.coordinator, events=[
        ev(world.ward, "admit", T - 3 * H), ev(world.ward, "transfer", T - H, to=world.icu),
    ], batch=True)
    ids = [world.ward.pk, world.icu.pk]
    assert census_at(ids, T - 2 * H) == {world.ward.pk: 1, world.icu.pk: 0}
    assert census_at(ids, T) == {world.ward.pk: 0, world.icu.pk: 1}
    assert census_series(ids, [T - 2 * H, T])[world.icu.pk] == [0, 1]


def test_ed_arrivals_and_departures_move_the_ed_census(world):
    census_events_record(actor=world.admin, events=[
        ev(world.ed, "ed_arrival", T - 2 * H), ev(world.ed, "ed_arrival", T - 2 * H, acuity="2"),
        ev(world.ed, "ed_departure", T - H),
    ], batch=True)
    assert census_at([world.ed.pk], T) == {world.ed.pk: 1}


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "birth"}, "events[1].movement"),
    ({"to_unit_id": None, "kind": "transfer"}, "events[1].to_unit"),
    ({"occurred_at": T.replace(tzinfo=None)}, "events[1].occurred_at"),
    ({"occurred_at": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)}, "events[1].occurred_at"),
    ({"event_id": ""}, "events[1].event_id"),
    ({"acuity": "x" * 31}, "events[1].acuity"),
])
def test_one_bad_event_refuses_the_whole_batch_naming_its_field(world, change, field):
    good = ev(world.icu, "admit", T - H)
    bad = ev(world.icu, "admit", T - H)
    bad = type(bad)(**{**bad.__dict__, **change})
    with pytest.raises(DomainError) as caught:
        census_events_record(actor=world.coordinator, events=[good, bad], batch=True)
    assert caught.value.field == field and caught.value.status_code == 400
    assert not CensusEvent.objects.exists()
    assert not AuditEvent.objects.filter(action="census.event").exists()


def test_a_transfer_to_the_same_unit_is_refused(world):
    with pytest.raises(DomainError) as caught:
        census_events_record(actor=world.coordinator, events=[ev(world.icu, "transfer", T, to=world.icu)])
    assert caught.value.field == "to_unit"


def test_coordinators_report_only_for_their_sites_and_managers_and_staff_not_at_all(world):
    with pytest.raises(DomainError) as caught:
        census_events_record(actor=world.coordinator, events=[ev(world.ed, "admit", T)])
    assert caught.value.field == "unit"
    with pytest.raises(DomainError):  # a transfer into another site's unit too
        census_events_record(actor=world.coordinator, events=[ev(world.icu, "transfer", T, to=world.ed)])
    for user in (world.manager, world.nurse.user):
        with pytest.raises(NotAllowed):
            census_events_record(actor=user, events=[ev(world.icu, "admit", T)])
    census_events_record(actor=world.regional, events=[ev(world.ed, "admit", T)])
    assert CensusEvent.objects.count() == 1


def test_an_accepted_batch_queues_one_recompute_per_unit_from_its_earliest_event_after_commit(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        census_events_record(actor=world.coordinator, events=[
            ev(world.ward, "admit", T - H), ev(world.ward, "admit", T - 5 * H),
            ev(world.ward, "transfer", T - 2 * H, to=world.icu),
        ], batch=True)
    queued = sorted((cb.args[0], *cb.keywords["args"]) for cb in callbacks)
    assert queued == sorted([
        (RECOMPUTE_UNIT_HOURS, world.ward.pk, (T - 5 * H).isoformat()),
        (RECOMPUTE_UNIT_HOURS, world.icu.pk, (T - 2 * H).isoformat()),
    ])


def test_a_duplicate_queues_nothing(world, django_capture_on_commit_callbacks):
    event = ev(world.icu, "admit", T - H)
    census_events_record(actor=world.coordinator, events=[event])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        census_events_record(actor=world.coordinator, events=[event])
    assert callbacks == []


def _csv(tmp_path, rows: list[str]):
    path = tmp_path / "history.csv"
    path.write_text("event_id,unit,movement,occurred_at,to_unit,acuity\n" + "\n".join(rows) + "\n")
    return path


def test_the_history_import_records_every_row_and_a_second_run_adds_nothing(world, tmp_path):
    path = _csv(tmp_path, [
        "1,north/w5,admit,2026-03-01T08:00:00+00:00,,",
        "2,north/w5,admit,2026-03-01T09:00:00+00:00,,high",
        "3,north/w5,transfer,2026-03-01T10:00:00+00:00,north/icu,",
        "4,south/ed,ed_arrival,2026-03-01T10:30:00+00:00,,3",
    ])
    out = StringIO()
    call_command("import_census", str(path), "--sender", "north-adt", stdout=out)
    assert "Imported 4 events" in out.getvalue()
    at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    assert census_at([world.ward.pk, world.icu.pk, world.ed.pk], at) == {
        world.ward.pk: 1, world.icu.pk: 1, world.ed.pk: 1}
    call_command("import_census", str(path), "--sender", "north-adt", stdout=out)
    assert "Imported 0 events (4 already held)" in out.getvalue()
    assert CensusEvent.objects.count() == 4


def test_a_bad_row_imports_nothing_and_names_its_line_and_column(world, tmp_path):
    path = _csv(tmp_path, [
        "1,north/w5,admit,2026-03-01T08:00:00+00:00,,",
        "2,north/w5,admit,2026-03-01T09:00:00,,",
    ])
    with pytest.raises(CommandError, match=r"Line 3, occurred_at"):
        call_command("import_census", str(path))
    path = _csv(tmp_path, ["1,north/nowhere,admit,2026-03-01T08:00:00+00:00,,"])
    with pytest.raises(CommandError, match=r"Line 2, unit"):
        call_command("import_census", str(path))
    assert not CensusEvent.objects.exists()
