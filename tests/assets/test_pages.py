"""The equipment pages: the list with filters, an item's page with its timeline, the
maintenance queue and the scan pages — scoped, and refusals shown by name."""

from __future__ import annotations

import pytest
from django.test import Client

from assets import maintenance
from assets.states import State
from tests import factories as f
from tests.assets import factories as af

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def kit(world):
    t = af.asset_type()
    af.limit(t)
    return {
        "icu": af.item(t, site=world.north, unit=world.icu, serial="PMP-ICU-1"),
        "icu_repair": af.item(t, site=world.north, unit=world.icu, serial="PMP-ICU-2", state=State.REPAIR),
        "ward": af.item(t, site=world.north, unit=world.ward, serial="PMP-W5-1"),
        "ed": af.item(t, site=world.south, unit=world.ed, serial="PMP-ED-1"),
    }


def test_the_list_shows_a_manager_their_units_equipment_and_its_availability(world, kit):
    r = _client(world.manager).get("/assets/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "PMP-ICU-1" in body and "PMP-ICU-2" in body
    assert "PMP-W5-1" not in body and "PMP-ED-1" not in body
    assert 'data-testid="availability"' in body
    assert 'href="/assets/"' in body  # the navigation entry


def test_the_list_filters_by_state_group_and_serial(world, kit):
    c = _client(world.coordinator)
    body = c.get("/assets/", {"group": "unavailable"}).content.decode()
    assert "PMP-ICU-2" in body and "PMP-ICU-1" not in body
    body = c.get("/assets/", {"q": "w5"}).content.decode()
    assert "PMP-W5-1" in body and "PMP-ICU-1" not in body


def test_htmx_gets_only_the_table(world, kit):
    r = _client(world.manager).get("/assets/", {"q": "icu"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert body.lstrip().startswith('<section id="item-table"') and "<html" not in body


def test_a_bad_filter_is_a_400_naming_the_field(world, kit):
    r = _client(world.manager).get("/assets/", {"group": "lost"})
    assert r.status_code == 400 and "State" in r.content.decode()


def test_the_item_page_shows_its_timeline_and_actions_to_a_manager(world, kit):
    maintenance.fault_report(actor=world.manager, item=kit["icu"], reason="Door latch broken.")
    body = _client(world.manager).get(f"/assets/items/{kit['icu'].pk}/").content.decode()
    assert "Door latch broken" in body and 'data-testid="timeline"' in body
    assert "Ready → Repair" in body
    assert 'data-testid="transition"' in body


def test_staff_see_the_item_page_without_actions(world, kit):
    body = _client(world.nurse.user).get(f"/assets/items/{kit['icu'].pk}/").content.decode()
    assert 'data-testid="timeline"' in body and 'data-testid="check-out"' not in body
    assert _client(world.nurse.user).get(f"/assets/items/{kit['ward'].pk}/").status_code == 404


def test_a_check_out_from_the_page_is_refused_by_name_when_the_operator_is_not_certified(world, kit):
    acls = f.CertificationTypeFactory(code="acls", name="ACLS")
    vent = af.item(af.asset_type("vent", name="Ventilator", certification_type=acls), site=world.north,
                   unit=world.icu)
    c = _client(world.manager)
    r = c.post(f"/assets/items/{vent.pk}/check-out/", {"operator": world.nurse.pk}, follow=True)
    assert "does not hold ACLS" in r.content.decode()
    vent.refresh_from_db()
    assert vent.state == State.READY
    r = c.post(f"/assets/items/{kit['icu'].pk}/check-out/", {"unit": world.icu.pk}, follow=True)
    assert "is checked out" in r.content.decode()


def test_a_manager_cannot_act_on_another_units_item_from_the_page(world, kit):
    r = _client(world.manager).post(f"/assets/items/{kit['ward'].pk}/transition/",
                                    {"state": "standby", "reason": "x"})
    assert r.status_code == 404
    kit["ward"].refresh_from_db()
    assert kit["ward"].state == State.READY


def test_the_maintenance_queue_lists_open_work_and_completes_it(world, kit):
    order = maintenance.fault_report(actor=world.manager, item=kit["icu"], reason="Door latch broken.")
    c = _client(world.coordinator)
    body = c.get("/assets/maintenance/").content.decode()
    assert "Door latch broken" in body and 'data-testid="work-order"' in body
    r = c.post(f"/assets/maintenance/{order.pk}/complete/", {"outcome": "passed", "record": "New latch."},
               follow=True)
    assert "done" in r.content.decode()
    kit["icu"].refresh_from_db()
    assert kit["icu"].state == State.READY


def test_the_maintenance_queue_is_for_managers_and_up(world, kit):
    assert _client(world.nurse.user).get("/assets/maintenance/").status_code == 403


def test_typing_a_serial_marks_the_item_seen(world, kit):
    c = _client(world.nurse.user)
    r = c.post("/assets/scan/", {"serial": "pmp-icu-1"})
    assert r.status_code == 302 and r["Location"] == f"/assets/items/{kit['icu'].pk}/"
    kit["icu"].refresh_from_db()
    assert kit["icu"].last_seen_by == world.nurse.user
    r = c.post("/assets/scan/", {"serial": "PMP-ED-1"})
    assert r.status_code == 400 and "No item you can see" in r.content.decode()


def test_a_qr_label_page_changes_nothing_until_its_button_is_pressed(world, kit):
    c = _client(world.nurse.user)
    assert c.get("/assets/scan/PMP-ICU-1/").status_code == 200
    kit["icu"].refresh_from_db()
    assert kit["icu"].last_seen_by is None
    c.post("/assets/scan/PMP-ICU-1/")
    kit["icu"].refresh_from_db()
    assert kit["icu"].last_seen_by == world.nurse.user
    assert c.get("/assets/scan/PMP-ED-1/").status_code == 404


def test_the_list_page_runs_a_fixed_number_of_queries(world, kit, django_assert_max_num_queries):
    t = kit["icu"].asset_type
    for _ in range(20):
        af.item(t, site=world.north, unit=world.icu)
    c = _client(world.manager)
    with django_assert_max_num_queries(25):
        c.get("/assets/")


def test_a_coordinator_sends_an_item_and_the_receiving_manager_marks_it_arrived(world, kit):
    r = _client(world.coordinator).post(f"/assets/items/{kit['ward'].pk}/transfer/", {"unit": world.icu.pk},
                                        follow=True)
    assert "on its way to North ICU" in r.content.decode()
    manager = _client(world.manager)
    listing = manager.get("/assets/").content.decode()
    assert 'data-testid="incoming"' in listing and "PMP-W5-1" in listing
    r = manager.post(f"/assets/items/{kit['ward'].pk}/arrive/", follow=True)
    assert "arrived at North ICU" in r.content.decode()
    kit["ward"].refresh_from_db()
    assert (kit["ward"].unit, kit["ward"].state) == (world.icu, State.READY)
    assert _client(world.outsider.user).post(f"/assets/items/{kit['ward'].pk}/arrive/").status_code == 404


def test_the_admin_lists_equipment_and_audits_a_changed_asset_type(world, kit):
    from roster.models import AuditEvent

    c = _client(world.admin)
    for page in ("assettype", "item", "workorder", "recallcampaign", "locationrecord", "reading"):
        assert c.get(f"/admin/assets/{page}/").status_code == 200, page
    assert c.get(f"/admin/assets/item/{kit['icu'].pk}/change/").status_code == 200
    t = kit["icu"].asset_type
    r = c.post(f"/admin/assets/assettype/{t.pk}/change/", {
        "code": t.code, "name": "Infusion pump (large volume)", "category": t.category, "manufacturer": "",
        "model_number": "", "service_interval_days": 365, "service_interval_hours": 1000, "due_soon_days": 14,
        "service_sla_hours": 72, "movable": "on",
        "limits-TOTAL_FORMS": 1, "limits-INITIAL_FORMS": 1, "limits-MIN_NUM_FORMS": 0, "limits-MAX_NUM_FORMS": 1000,
        "limits-0-id": t.limits.get().pk, "limits-0-asset_type": t.pk, "limits-0-measure": "battery",
        "limits-0-unit_label": "%", "limits-0-minimum": "20", "limits-0-maximum": "100",
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    event = AuditEvent.objects.get(action="asset.type.update")
    assert event.before["name"] == "Infusion pump" and event.after["name"] == "Infusion pump (large volume)"
