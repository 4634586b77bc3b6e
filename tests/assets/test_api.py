"""The equipment API: scoped lists, writes through the write functions, bad input a 4xx
naming the field, and every endpoint in the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assets.models import WorkOrder
from assets.states import State
from tests import factories as f
from tests.assets import factories as af

pytestmark = pytest.mark.django_db


@pytest.fixture
def pump(world):
    t = af.asset_type()
    af.limit(t)
    return af.item(t, site=world.north, unit=world.icu, serial="PMP-ICU-1")


def test_the_item_list_is_scoped_to_the_user(world, pump):
    af.item(pump.asset_type, site=world.south, unit=world.ed)
    seen = world.client_for(world.manager).get("/api/equipment/items/").json()
    assert [i["serial"] for i in seen["results"]] == ["PMP-ICU-1"]
    assert world.client_for(world.outsider.user).get(f"/api/equipment/items/{pump.pk}/").status_code == 404
    assert world.client_for(world.regional).get("/api/equipment/items/").json()["count"] == 2


def test_the_item_list_filters_by_group(world, pump):
    af.item(pump.asset_type, site=world.north, unit=world.icu, state=State.REPAIR)
    client = world.client_for(world.manager)
    assert client.get("/api/equipment/items/?group=unavailable").json()["count"] == 1
    bad = client.get("/api/equipment/items/?group=lost")
    assert bad.status_code == 400 and "group" in bad.json()


def test_a_manager_checks_out_and_in_through_the_api(world, pump):
    client = world.client_for(world.manager)
    out = client.post(f"/api/equipment/items/{pump.pk}/check-out/", {"unit": world.icu.pk}, format="json")
    assert out.status_code == 200, out.json()
    assert out.json()["state"] == "deployed" and out.json()["group"] == "in_use"
    back = client.post(f"/api/equipment/items/{pump.pk}/check-in/", {"hours_used": "3.5"}, format="json")
    assert back.json()["state"] == "ready" and back.json()["usage_hours"] == "3.5"
    timeline = client.get(f"/api/equipment/items/{pump.pk}/timeline/").json()
    assert any("Deployed → Ready" in e["text"] for e in timeline)
    assert len(client.get(f"/api/equipment/items/{pump.pk}/locations/").json()) == 2


def test_an_illegal_transition_is_a_409_naming_both_states(world, pump):
    pump.state, pump.previous_state = State.CONDEMNED, State.READY
    pump.save()
    r = world.client_for(world.manager).post(f"/api/equipment/items/{pump.pk}/transition/",
                                             {"state": "deployed", "reason": "Needed."}, format="json")
    assert r.status_code == 409
    assert r.json() == {"state": ["An item cannot go from Condemned to Deployed."]}


@pytest.mark.parametrize(("path", "body", "field"), [
    ("transition", {"state": "lost", "reason": "x"}, "state"),
    ("transition", {"state": "standby"}, "reason"),
    ("check-out", {}, "unit"),
    ("check-out", {"unit": 999999}, "unit"),
    ("check-out", {"operator": "abc"}, "operator"),
    ("check-in", {"hours_used": "-1"}, "hours_used"),
    ("reading", {"measure": "battery", "value": "lots"}, "value"),
    ("reading", {"measure": "pressure", "value": "1"}, "measure"),
    ("usage", {"hours": "0"}, "hours"),
    ("fault", {}, "reason"),
])
def test_bad_input_is_a_4xx_naming_the_field(world, pump, path, body, field):
    if path == "check-in":
        pump.state, pump.previous_state = State.DEPLOYED, State.READY
        pump.save()
    r = world.client_for(world.manager).post(f"/api/equipment/items/{pump.pk}/{path}/", body, format="json")
    assert 400 <= r.status_code < 500
    assert field in r.json(), r.json()


def test_an_operator_without_the_certification_is_a_400_naming_the_operator(world):
    acls = f.CertificationTypeFactory(code="acls", name="ACLS")
    vent = af.item(af.asset_type("vent", name="Ventilator", certification_type=acls), site=world.north,
                   unit=world.icu)
    r = world.client_for(world.manager).post(f"/api/equipment/items/{vent.pk}/check-out/",
                                             {"operator": world.nurse.pk}, format="json")
    assert r.status_code == 400
    assert "does not hold ACLS" in r.json()["operator"][0]


def test_staff_may_read_but_not_act(world, pump):
    client = world.client_for(world.nurse.user)
    assert client.get(f"/api/equipment/items/{pump.pk}/").status_code == 200
    r = client.post(f"/api/equipment/items/{pump.pk}/transition/", {"state": "standby", "reason": "x"}, format="json")
    assert r.status_code == 403


def test_a_label_scan_through_the_api(world, pump):
    r = world.client_for(world.nurse.user).post("/api/equipment/scan/", {"serial": "pmp-icu-1"}, format="json")
    assert r.status_code == 200 and r.json()["last_seen_by"] == world.nurse.user.pk
    r = world.client_for(world.nurse.user).post("/api/equipment/scan/", {"serial": "nope"}, format="json")
    assert r.status_code == 404 and "serial" in r.json()


def test_work_orders_are_listed_and_completed_through_the_api(world, pump):
    client = world.client_for(world.manager)
    client.post(f"/api/equipment/items/{pump.pk}/reading/", {"measure": "battery", "value": "5"}, format="json")
    (order,) = client.get("/api/equipment/work-orders/?status=open").json()["results"]
    assert order["kind"] == "condition"
    bad = client.post(f"/api/equipment/work-orders/{order['id']}/complete/", {"outcome": "meh"}, format="json")
    assert bad.status_code == 400 and {"outcome", "record"} <= set(bad.json())
    done = client.post(f"/api/equipment/work-orders/{order['id']}/complete/",
                       {"outcome": "passed", "record": "Battery replaced."}, format="json")
    assert done.json()["status"] == "done"
    assert client.get(f"/api/equipment/items/{pump.pk}/").json()["state"] == "ready"
    assert world.client_for(world.outsider.user).get(f"/api/equipment/work-orders/{order['id']}/").status_code == 404


def test_a_recall_through_the_api_needs_a_regional_coordinator(world, pump):
    body = {"asset_type": pump.asset_type_id, "reference": "FSN-1", "reason": "Valve."}
    assert world.client_for(world.coordinator).post("/api/equipment/recalls/", body, format="json").status_code == 403
    r = world.client_for(world.regional).post("/api/equipment/recalls/", body, format="json")
    assert r.status_code == 201 and r.json()["items_pulled"] == 1
    assert WorkOrder.objects.get().kind == "recall"


def test_availability_through_the_api(world, pump):
    rows = world.client_for(world.manager).get("/api/equipment/availability/").json()
    assert rows == [{"site": world.north.pk, "site_name": "North General", "asset_type": pump.asset_type_id,
                     "asset_type_name": "Infusion pump", "ready": 1, "in_use": 0, "unavailable": 0,
                     "due_soon": 0}]
    assert world.client_for(world.manager).get("/api/equipment/availability/?site=x").status_code == 400


def test_only_an_administrator_changes_asset_types(world, pump):
    body = {"code": "us", "name": "Ultrasound", "category": "ultrasound"}
    assert world.client_for(world.regional).post("/api/equipment/types/", body, format="json").status_code == 403
    assert world.client_for(world.admin).post("/api/equipment/types/", body, format="json").status_code == 201
    assert world.client_for(world.nurse.user).get("/api/equipment/types/").json()["count"] == 2


def test_a_manager_commissions_an_item_in_their_unit(world, pump):
    client = world.client_for(world.manager)
    body = {"asset_type": pump.asset_type_id, "serial": "NEW-1", "site": world.north.pk, "unit": world.icu.pk,
            "last_service_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat()}
    assert client.post("/api/equipment/items/", body, format="json").status_code == 201
    again = client.post("/api/equipment/items/", body, format="json")
    assert again.status_code == 400 and "serial" in again.json()
    elsewhere = client.post("/api/equipment/items/", {**body, "serial": "NEW-2", "unit": world.ward.pk}, format="json")
    assert elsewhere.status_code == 403


def test_reliability_is_for_managers_and_up(world, pump):
    assert world.client_for(world.nurse.user).get("/api/equipment/reliability/").status_code == 403
    assert world.client_for(world.manager).get("/api/equipment/reliability/").json()[0]["failures"] == 0


def test_every_equipment_endpoint_is_in_the_schema(world):
    schema = world.client_for(world.admin).get("/api/schema/?format=json").json()
    paths = [p for p in schema["paths"] if p.startswith("/api/equipment/")]
    for expected in ("/api/equipment/items/", "/api/equipment/items/{id}/check-out/", "/api/equipment/items/{id}/check-in/",
                     "/api/equipment/items/{id}/transition/", "/api/equipment/items/{id}/reading/",
                     "/api/equipment/scan/", "/api/equipment/availability/", "/api/equipment/work-orders/{id}/complete/",
                     "/api/equipment/recalls/", "/api/equipment/types/", "/api/equipment/reliability/"):
        assert expected in paths


def test_a_transfer_through_the_api_arrives_at_the_receiving_managers_unit(world):
    pump = af.item(af.asset_type(), site=world.north, unit=world.ward)
    sent = world.client_for(world.coordinator).post(f"/api/equipment/items/{pump.pk}/transfer/",
                                                    {"unit": world.icu.pk}, format="json")
    assert sent.status_code == 200 and sent.json()["state"] == "in_transit"
    assert sent.json()["destination"] == world.icu.pk
    manager = world.client_for(world.manager)
    assert manager.get(f"/api/equipment/items/{pump.pk}/").status_code == 404  # not theirs yet
    arrived = manager.post(f"/api/equipment/items/{pump.pk}/arrive/")
    assert arrived.status_code == 200 and arrived.json()["state"] == "ready"
    assert manager.get(f"/api/equipment/items/{pump.pk}/").json()["unit"] == world.icu.pk
    again = manager.post(f"/api/equipment/items/{pump.pk}/arrive/")
    assert again.status_code == 409 and "state" in again.json()
    assert world.client_for(world.outsider.user).post(f"/api/equipment/items/{pump.pk}/arrive/").status_code == 404


@pytest.mark.parametrize(("path", "param"), [
    ("/api/equipment/items/?site=99999999999999999999", "site"),
    ("/api/equipment/items/?unit=0", "unit"),
    ("/api/equipment/items/?asset_type=x", "asset_type"),
    ("/api/equipment/work-orders/?item=-1", "item"),
    ("/api/equipment/recalls/?asset_type=99999999999999999999", "asset_type"),
    ("/api/equipment/availability/?site=99999999999999999999", "site"),
    ("/api/equipment/availability/?asset_type=-3", "asset_type"),
])
def test_an_id_no_database_key_can_hold_is_a_400_naming_the_parameter(world, path, param):
    r = world.client_for(world.manager).get(path)
    assert r.status_code == 400 and param in r.json()


def test_a_service_date_outside_the_planned_days_is_a_400_naming_the_field(world, pump):
    body = {"asset_type": pump.asset_type_id, "serial": "OLD-1", "site": world.north.pk, "unit": world.icu.pk,
            "last_service_on": "0001-01-01"}
    r = world.client_for(world.manager).post("/api/equipment/items/", body, format="json")
    assert r.status_code == 400 and "last_service_on" in r.json()


def test_a_maintenance_plan_beyond_the_calendar_is_a_400_naming_the_field(world):
    body = {"code": "odd", "name": "Odd", "category": "other", "service_interval_days": 2_000_000_000}
    r = world.client_for(world.admin).post("/api/equipment/types/", body, format="json")
    assert r.status_code == 400 and "service_interval_days" in r.json()


def test_a_type_with_items_or_recalls_cannot_be_deleted(world, pump):
    admin = world.client_for(world.admin)
    assert admin.delete(f"/api/equipment/types/{pump.asset_type_id}/").status_code == 400
    spare = af.asset_type("spare", name="Spare")
    admin.post("/api/equipment/recalls/", {"asset_type": spare.pk, "reference": "R-9", "reason": "x"}, format="json")
    r = admin.delete(f"/api/equipment/types/{spare.pk}/")
    assert r.status_code == 400 and "asset_type" in r.json()
    unused = af.asset_type("unused", name="Unused")
    assert admin.delete(f"/api/equipment/types/{unused.pk}/").status_code == 204
