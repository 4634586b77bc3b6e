"""The incidents API: who sees and acts on an incident (both ways), and bad input as a
4xx naming the field."""

from __future__ import annotations

import pytest

from triage.models import Ambulance, Incident, Victim

from .conftest import RED, YELLOW

pytestmark = pytest.mark.django_db

URL = "/api/incidents/"


def test_a_site_coordinator_opens_an_incident_at_their_site(world):
    response = world.client_for(world.coordinator).post(URL, {"site": world.north.pk, "kind": "fire"}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["commander"] == world.coordinator.pk
    assert response.data["objective"] == "expected_survivors"


def test_a_site_coordinator_cannot_open_an_incident_at_another_site(world):
    response = world.client_for(world.coordinator).post(URL, {"site": world.south.pk, "kind": "fire"}, format="json")
    assert response.status_code == 403
    assert "site" in response.data
    assert not Incident.objects.exists()


def test_a_nurse_cannot_open_an_incident(world):
    response = world.client_for(world.nurse.user).post(URL, {"site": world.north.pk, "kind": "fire"}, format="json")
    assert response.status_code == 403


def test_staff_of_the_site_see_the_incident_and_staff_elsewhere_do_not(world, scene):
    assert [i["id"] for i in world.client_for(world.nurse.user).get(URL).data["results"]] == [scene.incident.pk]
    assert world.client_for(world.outsider.user).get(URL).data["results"] == []
    assert world.client_for(world.outsider.user).get(f"{URL}{scene.incident.pk}/board/").status_code == 404
    assert world.client_for(world.regional).get(f"{URL}{scene.incident.pk}/board/").status_code == 200


def test_a_nurse_of_the_site_registers_and_retriages_a_victim(world, scene):
    client = world.client_for(world.nurse.user)
    response = client.post(f"{URL}victims/", {"incident": scene.incident.pk, "tag": "101", "answers": YELLOW},
                           format="json")
    assert response.status_code == 201, response.data
    assert (response.data["colour"], response.data["priority"]) == ("yellow", 3)
    again = client.post(f"{URL}victims/{response.data['id']}/retriage/", {"answers": RED}, format="json")
    assert again.status_code == 200, again.data
    assert [t["colour"] for t in again.data["triages"]] == ["red", "yellow"]


def test_a_nurse_of_another_site_cannot_register_a_victim(world, scene):
    response = world.client_for(world.outsider.user).post(
        f"{URL}victims/", {"incident": scene.incident.pk, "tag": "1", "answers": RED}, format="json")
    assert response.status_code == 400
    assert "incident" in response.data
    assert not Victim.objects.exists()


def test_a_nurse_cannot_add_an_ambulance_and_the_coordinator_can(world, scene):
    body = {"incident": scene.incident.pk, "call_sign": "B7", "crew": 2}
    refused = world.client_for(world.nurse.user).post(f"{URL}ambulances/", body, format="json")
    assert refused.status_code == 403
    done = world.client_for(world.coordinator).post(f"{URL}ambulances/", body, format="json")
    assert done.status_code == 201, done.data
    assert Ambulance.objects.filter(call_sign="B7").exists()


def test_a_nurse_cannot_use_the_corrector(world, scene):
    client = world.client_for(world.nurse.user)
    assert client.post(f"{URL}{scene.incident.pk}/score/", {"allocation": {}}, format="json").status_code == 403
    decide = client.post(f"{URL}{scene.incident.pk}/decide/", {"allocation": {}, "chosen": "proposed"},
                         format="json")
    assert decide.status_code == 403


@pytest.mark.parametrize(("body", "field"), [
    ({"tag": "1", "answers": {"walks": "maybe"}}, "answers"),
    ({"tag": "1", "answers": {"respiratory_rate": 900}}, "answers"),
    ({"tag": "1", "answers": {"shoe_size": 9}}, "answers"),
    ({"tag": "", "answers": RED}, "tag"),
    ({"tag": "1", "age_band": "toddler", "answers": RED}, "age_band"),
    ({"tag": "1", "answers": {"walks": False, "breathing": True}}, "answers.respiratory_rate"),
])
def test_bad_triage_input_is_a_400_naming_the_field(world, scene, body, field):
    response = world.client_for(world.nurse.user).post(
        f"{URL}victims/", {"incident": scene.incident.pk, **body}, format="json")
    assert response.status_code == 400
    assert field in response.data


def test_a_duplicate_tag_is_a_409_naming_the_tag(world, scene):
    client = world.client_for(world.nurse.user)
    body = {"incident": scene.incident.pk, "tag": "5", "answers": RED}
    assert client.post(f"{URL}victims/", body, format="json").status_code == 201
    again = client.post(f"{URL}victims/", body, format="json")
    assert again.status_code == 409 and "tag" in again.data


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "meteor"}, "kind"),
    ({"kind": "fire", "sensing_minutes": 0}, "sensing_minutes"),
    ({"kind": "fire", "buffer_minutes": 600}, "buffer_minutes"),
    ({"kind": "fire", "principle": "richest_first"}, "principle"),
    ({"kind": "fire", "commander": 10**6}, "commander"),
])
def test_bad_incident_input_is_a_400_naming_the_field(world, body, field):
    response = world.client_for(world.coordinator).post(URL, {"site": world.north.pk, **body}, format="json")
    assert response.status_code == 400
    assert field in response.data


def test_a_nurse_cannot_be_made_incident_commander(world):
    response = world.client_for(world.coordinator).post(
        URL, {"site": world.north.pk, "kind": "fire", "commander": world.nurse.user.pk}, format="json")
    assert response.status_code == 400 and "commander" in response.data


def test_bad_hospital_and_proposal_input_is_refused_by_name(world, scene):
    client = world.client_for(world.coordinator)
    hospital = client.post(f"{URL}hospitals/", {"incident": scene.incident.pk, "name": "X", "capacity": 3,
                                                "resources": 7}, format="json")
    assert hospital.status_code == 400 and "resources" in hospital.data
    capacity = client.post(f"{URL}hospitals/{scene.near.pk}/capacity/", {"capacity": -1}, format="json")
    assert capacity.status_code == 400 and "capacity" in capacity.data
    client.post(f"{URL}victims/", {"incident": scene.incident.pk, "tag": "1", "answers": RED}, format="json")
    unknown = client.post(f"{URL}{scene.incident.pk}/score/", {"allocation": {"99": ["A1", "North General"]}},
                          format="json")
    assert unknown.status_code == 400 and "allocation.99" in unknown.data
    ambulance = client.post(f"{URL}{scene.incident.pk}/score/", {"allocation": {"1": ["Z9", "North General"]}},
                            format="json")
    assert ambulance.status_code == 400 and "allocation.1" in ambulance.data
    status = client.post(f"{URL}ambulances/{scene.basic.pk}/status/", {"status": "flying"}, format="json")
    assert status.status_code == 400 and "status" in status.data


def test_the_incidents_api_is_in_the_schema(world):
    response = world.client_for(world.regional).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/incidents/", "/api/incidents/{id}/board/", "/api/incidents/victims/{id}/retriage/",
                 "/api/incidents/{id}/decide/"):
        assert path in text


@pytest.mark.parametrize("query", ["incident=99999999999999999999999", "priority=9", "incident=abc", "crew=3"])
def test_a_filter_value_the_list_cannot_use_is_a_400_naming_it(world, scene, query):
    name = query.split("=")[0]
    collection = "ambulances" if name == "crew" else "victims"
    response = world.client_for(world.coordinator).get(f"{URL}{collection}/?{query}")
    assert response.status_code == 400 and name in response.data


def test_an_ambulance_back_through_the_api_is_offered_again(world, scene):
    client = world.client_for(world.coordinator)
    out = client.post(f"{URL}ambulances/{scene.basic.pk}/status/", {"status": "en_route"}, format="json")
    assert out.status_code == 200 and out.data["status"] == "en_route"
    back = client.post(f"{URL}ambulances/{scene.basic.pk}/status/", {"status": "available"}, format="json")
    assert back.data["status"] == "available"
    board = client.get(f"{URL}{scene.incident.pk}/board/")
    assert {a["call_sign"]: a["status"] for a in board.data["ambulances"]} == {"A1": "available", "A2": "available"}
    assert {h["name"]: h["left"] for h in board.data["hospitals"]} == {"North General": 4, "Hill Cottage": 4}
