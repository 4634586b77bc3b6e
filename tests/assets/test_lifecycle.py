"""The lifecycle: one table of legal transitions, one write function, the database as
the last line of defence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assets.errors import IllegalTransition, NotAllowed, Unsafe
from assets.lifecycle import item_create, item_transition
from assets.models import Item, RecallCampaign, StateChange, WorkOrder
from assets.states import GROUPS, PATIENT_FACING, TRANSITIONS, Group, State, is_legal
from roster.models import AuditEvent
from tests.assets import factories as af

pytestmark = pytest.mark.django_db

ALL = list(State.values)
LEGAL = [(a, b) for a in ALL for b in ALL if is_legal(a, b)]
ILLEGAL = [(a, b) for a in ALL for b in ALL if not is_legal(a, b)]


def test_the_states_fall_into_the_four_groups_of_the_issue():
    assert GROUPS[Group.AVAILABLE] == ("ready", "standby", "reserved")
    assert GROUPS[Group.IN_USE] == ("deployed", "in_transit", "setup_teardown")
    assert GROUPS[Group.UNAVAILABLE] == ("maintenance", "repair", "decontamination", "inspection")
    assert GROUPS[Group.RETIRED] == ("end_of_life", "condemned", "surplus")
    assert sorted(s for states in GROUPS.values() for s in states) == sorted(ALL)


def test_no_retired_or_unavailable_state_leads_straight_to_a_patient():
    for source in GROUPS[Group.RETIRED] + GROUPS[Group.UNAVAILABLE]:
        assert not set(TRANSITIONS[source]) & set(PATIENT_FACING), source


@pytest.mark.parametrize(("source", "target"), LEGAL)
def test_a_legal_transition_is_made_with_who_and_why(world, source, target):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu, state=source)
    item_transition(actor=world.manager, item=pump, target=target, reason="Because.")
    pump.refresh_from_db()
    assert (pump.previous_state, pump.state) == (source, target)
    change = StateChange.objects.get(item=pump)
    assert (change.source, change.target, change.actor, change.reason) == (source, target, world.manager, "Because.")
    event = AuditEvent.objects.get(action="asset.transition", object_id=str(pump.pk))
    assert event.actor == world.manager and event.rationale == "Because."
    assert (event.before, event.after) == ({"state": source}, {"state": target})
    assert event.unit == world.icu


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_an_illegal_transition_is_refused_naming_both_states(world, source, target):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu, state=source)
    with pytest.raises(IllegalTransition) as refused:
        item_transition(actor=world.manager, item=pump, target=target, reason="Because.")
    assert State(source).label in refused.value.message
    assert State(target).label in refused.value.message
    assert refused.value.field == "state"
    pump.refresh_from_db()
    assert pump.state == source
    assert not StateChange.objects.filter(item=pump).exists()


def test_a_transition_needs_a_reason(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    with pytest.raises(Exception, match="why") as refused:
        item_transition(actor=world.manager, item=pump, target=State.STANDBY, reason=" ")
    assert refused.value.field == "reason"  # type: ignore[attr-defined]


def test_someone_who_may_not_act_on_the_item_is_refused(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.ward)
    with pytest.raises(NotAllowed):
        item_transition(actor=world.manager, item=pump, target=State.STANDBY, reason="Mine now.")
    with pytest.raises(NotAllowed):
        item_transition(actor=world.nurse.user, item=pump, target=State.STANDBY, reason="Mine now.")


@pytest.mark.parametrize("target", [State.RESERVED, State.DEPLOYED])
def test_an_item_past_its_service_date_never_reaches_a_patient(world, target):
    t = af.asset_type(service_interval_days=30)
    pump = af.item(t, site=world.north, unit=world.icu,
                   last_service_on=timezone.localdate() - dt.timedelta(days=31))
    with pytest.raises(Unsafe, match="service was due"):
        item_transition(actor=world.manager, item=pump, target=target, reason="Needed.")
    # Not towards a patient: still possible.
    item_transition(actor=world.manager, item=pump, target=State.MAINTENANCE, reason="Service.")


def test_an_item_on_its_service_date_may_still_be_used_that_day(world):
    t = af.asset_type(service_interval_days=30)
    pump = af.item(t, site=world.north, unit=world.icu,
                   last_service_on=timezone.localdate() - dt.timedelta(days=30))
    item_transition(actor=world.manager, item=pump, target=State.DEPLOYED, reason="Needed.")


def test_an_item_that_has_run_its_hours_never_reaches_a_patient(world):
    t = af.asset_type(service_interval_hours=100)
    pump = af.item(t, site=world.north, unit=world.icu, usage_hours=100, hours_at_service=0)
    with pytest.raises(Unsafe, match="has run"):
        item_transition(actor=world.manager, item=pump, target=State.DEPLOYED, reason="Needed.")


def test_an_item_under_an_open_inspection_cannot_come_back_into_service(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu, state=State.INSPECTION)
    now = timezone.now()
    WorkOrder.objects.create(item=pump, kind=WorkOrder.Kind.CONDITION, trigger_key="reading:1", reason="Low.",
                             opened_at=now, due_at=now + dt.timedelta(hours=24))
    with pytest.raises(Unsafe, match="still open"):
        item_transition(actor=world.manager, item=pump, target=State.READY, reason="Looks fine.")


def test_the_database_refuses_a_transition_missing_from_the_table(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu, state=State.REPAIR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=pump.pk).update(previous_state=State.REPAIR, state=State.DEPLOYED)


def test_the_database_keeps_retired_final(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu, state=State.CONDEMNED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=pump.pk).update(previous_state=State.CONDEMNED, state=State.READY)


def test_the_database_refuses_a_recalled_item_in_a_patient_facing_state(world):
    t = af.asset_type()
    recall = RecallCampaign.objects.create(asset_type=t, reference="R-1", reason="Faulty valve.",
                                           opened_at=timezone.now())
    pump = af.item(t, site=world.north, unit=world.icu, state=State.DEPLOYED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=pump.pk).update(recall=recall)


def test_the_database_refuses_a_contaminated_item_on_the_shelf(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu, state=State.READY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=pump.pk).update(hazard_exposed=True)


def test_the_database_refuses_an_illegal_history_row(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    with pytest.raises(IntegrityError), transaction.atomic():
        StateChange.objects.create(item=pump, at=timezone.now(), source=State.CONDEMNED, target=State.DEPLOYED,
                                   reason="Sneaky.")


def test_a_new_item_is_commissioned_with_its_first_history_row(world):
    t = af.asset_type()
    pump = item_create(actor=world.manager, asset_type=t, serial="P-1", site=world.north, unit=world.icu)
    assert pump.state == State.READY and pump.previous_state == ""
    assert StateChange.objects.get(item=pump).reason == "Commissioned."
    assert pump.locations.get().event == "commissioned"


def test_a_manager_cannot_commission_an_item_in_another_unit(world):
    with pytest.raises(NotAllowed):
        item_create(actor=world.manager, asset_type=af.asset_type(), serial="P-2", site=world.north,
                    unit=world.ward)
