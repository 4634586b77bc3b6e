"""Check-out and check-in to a unit or an operator (who must hold the certification),
location history, and scanning a label."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assets import custody
from assets.errors import DomainError, NotAllowed, NotFound
from assets.states import State
from tests import factories as f
from tests.assets import factories as af

pytestmark = pytest.mark.django_db


@pytest.fixture
def ventilator(world):
    acls = f.CertificationTypeFactory(code="acls", name="ACLS")
    t = af.asset_type("vent", name="Ventilator", category="ventilator", certification_type=acls)
    return af.item(t, site=world.north, unit=world.icu)


def test_an_operator_holding_a_valid_certification_can_be_handed_the_item(world, ventilator):
    today = timezone.localdate()
    f.CertificationFactory(staff=world.nurse, type=ventilator.asset_type.certification_type,
                           issued=today - dt.timedelta(days=100), expires=today + dt.timedelta(days=100))
    custody.item_check_out(actor=world.manager, item=ventilator, operator=world.nurse)
    ventilator.refresh_from_db()
    assert ventilator.state == State.DEPLOYED
    assert ventilator.operator == world.nurse and ventilator.unit == world.icu


def test_an_operator_without_the_certification_is_refused_by_name(world, ventilator):
    with pytest.raises(DomainError, match="does not hold ACLS") as refused:
        custody.item_check_out(actor=world.manager, item=ventilator, operator=world.nurse)
    assert refused.value.field == "operator"
    ventilator.refresh_from_db()
    assert ventilator.state == State.READY and ventilator.operator is None


def test_an_operator_whose_certification_has_expired_is_refused(world, ventilator):
    today = timezone.localdate()
    f.CertificationFactory(staff=world.nurse, type=ventilator.asset_type.certification_type,
                           issued=today - dt.timedelta(days=800), expires=today - dt.timedelta(days=1))
    with pytest.raises(DomainError, match="not valid") as refused:
        custody.item_check_out(actor=world.manager, item=ventilator, operator=world.nurse)
    assert refused.value.field == "operator"


def test_an_operator_whose_certification_is_not_valid_yet_is_refused(world, ventilator):
    today = timezone.localdate()
    f.CertificationFactory(staff=world.nurse, type=ventilator.asset_type.certification_type,
                           issued=today + dt.timedelta(days=1), expires=today + dt.timedelta(days=700))
    with pytest.raises(DomainError, match="not valid"):
        custody.item_check_out(actor=world.manager, item=ventilator, operator=world.nurse)


def test_an_operator_who_has_left_is_refused(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    world.nurse.active = False
    world.nurse.save(update_fields=["active"])
    with pytest.raises(DomainError, match="no longer active"):
        custody.item_check_out(actor=world.manager, item=pump, operator=world.nurse)


def test_a_type_without_a_certification_can_go_to_any_active_operator(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    custody.item_check_out(actor=world.manager, item=pump, operator=world.colleague)
    pump.refresh_from_db()
    assert pump.operator == world.colleague


def test_check_out_and_in_leave_a_location_history(world):
    pump = af.item(af.asset_type(), site=world.north, unit=None)
    custody.item_check_out(actor=world.coordinator, item=pump, unit=world.ward, note="Bed 4.")
    pump.refresh_from_db()
    assert (pump.site, pump.unit, pump.last_seen_by) == (world.north, world.ward, world.coordinator)
    custody.item_check_in(actor=world.coordinator, item=pump, unit=world.icu)
    pump.refresh_from_db()
    assert pump.unit == world.icu and pump.state == State.READY
    events = list(pump.locations.order_by("at", "id").values_list("event", "unit__code"))
    assert events == [("check_out", "w5"), ("check_in", "icu")]


def test_a_manager_cannot_send_an_item_to_a_unit_they_do_not_manage(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    with pytest.raises(NotAllowed) as refused:
        custody.item_check_out(actor=world.manager, item=pump, unit=world.ward)
    assert refused.value.field == "unit"


def test_an_item_in_repair_cannot_be_checked_out(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu, state=State.REPAIR)
    with pytest.raises(DomainError, match="Repair") as refused:
        custody.item_check_out(actor=world.manager, item=pump, unit=world.icu)
    assert refused.value.field == "state"


def test_a_ready_item_cannot_be_checked_in(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    with pytest.raises(DomainError, match="nothing to check in"):
        custody.item_check_in(actor=world.manager, item=pump)


def test_scanning_a_label_marks_the_item_seen_now_by_whoever_scanned_it(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu, serial="PMP-001")
    custody.item_scan(actor=world.nurse.user, serial=" pmp-001 ")
    pump.refresh_from_db()
    assert pump.last_seen_by == world.nurse.user
    assert timezone.now() - pump.last_seen_at < dt.timedelta(minutes=1)
    assert pump.locations.get().event == "scan"


def test_scanning_a_label_with_a_unit_records_where_it_was_found(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.ward, serial="PMP-002")
    custody.item_scan(actor=world.coordinator, serial="PMP-002", unit=world.icu)
    pump.refresh_from_db()
    assert pump.unit == world.icu


def test_scanning_an_unknown_or_invisible_serial_is_not_found(world):
    af.item(af.asset_type(), site=world.south, unit=world.ed, serial="PMP-003")
    with pytest.raises(NotFound) as missing:
        custody.item_scan(actor=world.nurse.user, serial="PMP-003")
    assert missing.value.field == "serial"
    with pytest.raises(NotFound):
        custody.item_scan(actor=world.nurse.user, serial="NOPE")


@pytest.mark.django_db(transaction=True)
def test_two_people_checking_out_the_same_pump_at_once_hand_it_over_once(world):
    import threading

    from django.db import connection

    from assets.models import Item

    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def check_out(user) -> None:
        try:
            barrier.wait()
            custody.item_check_out(actor=user, item=Item.objects.get(pk=pump.pk), unit=world.icu)
            outcomes.append("checked out")
        except DomainError as refused:
            outcomes.append(refused.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=check_out, args=(u,)) for u in (world.manager, world.coordinator)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("checked out") == 1
    (refusal,) = [o for o in outcomes if o != "checked out"]
    assert "is Deployed" in refusal
    assert pump.locations.filter(event="check_out").count() == 1
    assert pump.state_changes.count() == 1


def test_a_transfer_is_in_transit_until_the_receiving_manager_records_its_arrival(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.ward)
    custody.item_transfer_dispatch(actor=world.coordinator, item=pump, unit=world.icu, note="Surge in ICU.")
    pump.refresh_from_db()
    assert (pump.state, pump.destination, pump.unit) == (State.IN_TRANSIT, world.icu, world.ward)
    custody.item_transfer_arrive(actor=world.manager, item=pump)
    pump.refresh_from_db()
    assert (pump.state, pump.destination, pump.unit) == (State.READY, None, world.icu)
    assert list(pump.locations.order_by("at", "id").values_list("event", flat=True)) == ["transfer_out", "transfer_in"]
    assert pump.state_changes.get(target=State.READY).actor == world.manager


def test_only_the_ends_of_a_transfer_may_record_its_arrival(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    custody.item_transfer_dispatch(actor=world.coordinator, item=pump, unit=world.ward)
    with pytest.raises(NotAllowed):
        custody.item_transfer_arrive(actor=world.outsider.user, item=pump)


def test_a_manager_cannot_send_equipment_to_a_unit_they_do_not_manage(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    with pytest.raises(NotAllowed) as refused:
        custody.item_transfer_dispatch(actor=world.manager, item=pump, unit=world.ed)
    assert refused.value.field == "unit"


def test_a_fault_on_the_way_ends_the_transfer(world):
    from assets import maintenance

    pump = af.item(af.asset_type(), site=world.north, unit=world.icu)
    custody.item_transfer_dispatch(actor=world.coordinator, item=pump, unit=world.ward)
    maintenance.fault_report(actor=world.coordinator, item=pump, reason="Dropped.")
    pump.refresh_from_db()
    assert (pump.state, pump.destination) == (State.REPAIR, None)
