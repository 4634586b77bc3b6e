"""The live-operations API under /api/census/: who sees and posts what (both ways), bad
input as a 4xx naming the field with nothing written, batches, duplicates, the status of
units and sites, the hourly series, and its place in the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from allocation.models import CensusEvent, ClockEvent, UnitHour
from allocation.staffing import unit_hours_record
from roster.models import CensusEstimate, RatioRule, Staff
from tests import factories as f

from .helpers import T, admit, shift

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
EVENTS = "/api/census/events/"


def body(unit, event_id="1", movement="admit", at=T - H, **extra):
    return {"sender": "adt", "event_id": event_id, "unit": unit.pk, "movement": movement,
            "occurred_at": at.isoformat(), **extra}


def test_staff_see_none_of_it_even_their_own_unit(world):
    admit(world.icu, 2)
    client = world.client_for(world.nurse.user)
    for url in (EVENTS, "/api/census/clock-events/", "/api/census/status/units/",
                f"/api/census/status/units/{world.icu.pk}/", "/api/census/status/sites/", "/api/census/series/"):
        assert client.get(url).status_code == 403, url
    assert client.post(EVENTS, body(world.icu), format="json").status_code == 403
    assert not CensusEvent.objects.filter(event_id="1").exists()


def test_anonymous_callers_are_refused(world):
    assert APIClient().get("/api/census/status/units/").status_code in (401, 403)


def test_a_site_coordinator_sees_their_sites_units_and_not_the_others(world):
    admit(world.icu, 2)
    admit(world.ed, 5)
    client = world.client_for(world.coordinator)
    units = client.get("/api/census/status/units/").json()
    assert {u["unit_id"] for u in units} == {world.icu.pk, world.ward.pk}
    assert client.get(f"/api/census/status/units/{world.ed.pk}/").status_code == 404
    assert [s["site_id"] for s in client.get("/api/census/status/sites/").json()] == [world.north.pk]
    assert client.get(f"/api/census/status/sites/{world.south.pk}/").status_code == 404
    events = client.get(EVENTS).json()["results"]
    assert {e["unit"] for e in events} == {world.icu.pk}


def test_a_unit_manager_reads_their_units_but_posts_nothing_and_sees_no_site_totals(world):
    admit(world.icu, 2)
    client = world.client_for(world.manager)
    assert [u["unit_id"] for u in client.get("/api/census/status/units/").json()] == [world.icu.pk]
    assert client.get("/api/census/status/sites/").json() == []
    response = client.post(EVENTS, body(world.icu), format="json")
    assert response.status_code == 403 and "unit" in response.json()
    assert not CensusEvent.objects.filter(event_id="1").exists()


def test_regional_coordinators_and_administrators_see_every_unit_and_site(world):
    for user in (world.regional, world.admin):
        client = world.client_for(user)
        assert len(client.get("/api/census/status/units/").json()) == 3
        assert len(client.get("/api/census/status/sites/").json()) == 2


def test_a_coordinator_posts_an_event_and_the_live_census_moves_at_once(world):
    client = world.client_for(world.coordinator)
    response = client.post(EVENTS, body(world.icu, acuity="high"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["accepted"] == 1
    assert response.json()["events"][0]["movement"] == "admit"
    status = client.get(f"/api/census/status/units/{world.icu.pk}/").json()
    assert status["census"] == 1
    # Sent again: the same answer, nothing new.
    again = client.post(EVENTS, body(world.icu, acuity="high"), format="json")
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert CensusEvent.objects.count() == 1


def test_a_coordinator_cannot_post_for_another_sites_unit(world):
    response = world.client_for(world.coordinator).post(EVENTS, body(world.ed), format="json")
    assert response.status_code == 400 and "unit" in response.json()
    assert not CensusEvent.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"movement": "birth"}, "movement"),
    ({"occurred_at": "2026-03-10T11:00:00"}, "occurred_at"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"unit": "icu"}, "unit"),
    ({"unit": 2**70}, "unit"),
    ({"movement": "transfer"}, "to_unit"),
    ({"event_id": ""}, "event_id"),
])
def test_a_bad_event_is_a_400_naming_its_field_and_writes_nothing(world, change, field):
    response = world.client_for(world.admin).post(EVENTS, {**body(world.icu), **change}, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not CensusEvent.objects.exists()


def test_a_batch_is_accepted_whole_or_refused_whole_naming_the_bad_event(world):
    client = world.client_for(world.coordinator)
    batch = [body(world.ward, "b1"), body(world.ward, "b2", "transfer", to_unit=world.icu.pk),
             body(world.ward, "b3", occurred_at="2026-03-10T11:00:00")]
    response = client.post(f"{EVENTS}batch/", {"events": batch}, format="json")
    assert response.status_code == 400
    assert response.json()["events"][2] == {"occurred_at": [
        "Give the time with its UTC offset (e.g. 2026-03-01T08:15:00+00:00)."]}
    batch[2]["occurred_at"] = (T - H).isoformat()
    batch[1]["to_unit"] = world.ward.pk  # a rule the service checks: to itself
    response = client.post(f"{EVENTS}batch/", {"events": batch}, format="json")
    assert response.status_code == 400 and "events[1].to_unit" in response.json()
    assert not CensusEvent.objects.exists()
    batch[1]["to_unit"] = world.icu.pk
    response = client.post(f"{EVENTS}batch/", {"events": batch}, format="json")
    assert response.status_code == 201 and response.json()["accepted"] == 3
    assert client.post(f"{EVENTS}batch/", {"events": []}, format="json").status_code == 400


def test_clock_events_are_posted_by_coordinators_and_move_who_is_on_shift(world):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    client = world.client_for(world.coordinator)
    data = {"sender": "tna", "event_id": "c1", "staff": world.nurse.pk, "unit": world.icu.pk, "clock": "in",
            "occurred_at": (T - H).isoformat()}
    assert world.client_for(world.manager).post("/api/census/clock-events/", data, format="json").status_code == 403
    response = client.post("/api/census/clock-events/", data, format="json")
    assert response.status_code == 201, response.json()
    assert client.post("/api/census/clock-events/", data, format="json").status_code == 200
    assert ClockEvent.objects.count() == 1
    status = client.get(f"/api/census/status/units/{world.icu.pk}/", {"at": T.isoformat()}).json()
    assert [p["source"] for p in status["on_shift"]] == ["clock"]
    assert status["staffed_beds"] == 2
    bad = client.post("/api/census/clock-events/", {**data, "event_id": "c2", "clock": "lunch"}, format="json")
    assert bad.status_code == 400 and "clock" in bad.json()


def test_the_status_of_a_past_instant_and_a_bad_instant(world):
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    shift(world.nurse, world.icu, T.replace(hour=7))
    admit(world.icu, 2)
    client = world.client_for(world.coordinator)
    s = client.get(f"/api/census/status/units/{world.icu.pk}/", {"at": T.isoformat()}).json()
    assert (s["census"], s["staffed_beds"], s["utilization"], s["zone"]) == (2, 2, 100.0, "saturated")
    assert s["required"] == {"RN": 1} and s["action"].startswith("Escalate")
    response = client.get(f"/api/census/status/units/{world.icu.pk}/", {"at": "2026-03-10T12:00:00"})
    assert response.status_code == 400 and "at" in response.json()


def test_the_series_shows_the_hours_of_the_units_the_user_reads(world):
    admit(world.icu, 1, at=T - 3 * H)
    admit(world.ed, 1, at=T - 3 * H)
    for unit in (world.icu, world.ed):
        unit_hours_record(unit_id=unit.pk, since=T - 3 * H, now=T)
    assert UnitHour.objects.count() == 8
    client = world.client_for(world.coordinator)
    params = {"start": (T - 4 * H).isoformat(), "end": T.isoformat()}
    rows = client.get("/api/census/series/", params).json()["results"]
    assert {r["unit"] for r in rows} == {world.icu.pk} and len(rows) == 4
    assert client.get("/api/census/series/", {**params, "unit": world.icu.pk}).json()["count"] == 4
    too_long = client.get("/api/census/series/", {"start": (T - 40 * 24 * H).isoformat(), "end": T.isoformat()})
    assert too_long.status_code == 400 and "end" in too_long.json()


def test_the_roster_census_estimates_still_answer_at_api_census(world):
    CensusEstimate.objects.create(unit=world.icu, date=T.date(), shift_type=world.day, patients=8)
    client = world.client_for(world.admin)
    response = client.get("/api/census/")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_the_api_is_in_the_openapi_schema(world):
    client = world.client_for(world.admin)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/census/events/", "/api/census/events/batch/", "/api/census/clock-events/",
                 "/api/census/status/units/", "/api/census/status/sites/{id}/", "/api/census/series/"):
        assert path in schema["paths"], path


def test_a_service_login_is_a_site_coordinator_of_the_sites_it_feeds(world):
    service = f.UserFactory(username="north-adt")
    f.grant(service, "site_coordinator", sites=[world.north])
    response = world.client_for(service).post(EVENTS, body(world.ward), format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("url", [EVENTS, "/api/census/clock-events/", "/api/census/series/"])
@pytest.mark.parametrize("value", ["99999999999999999999999", "icu", "-1"])
def test_a_unit_filter_that_names_no_unit_is_a_400_naming_it(world, url, value):
    response = world.client_for(world.admin).get(url, {"unit": value})
    assert response.status_code == 400 and "unit" in response.json()


def test_a_unit_a_manager_does_not_read_cannot_be_filtered_on(world):
    response = world.client_for(world.manager).get(EVENTS, {"unit": world.ed.pk})
    assert response.status_code == 400 and "unit" in response.json()


def test_a_status_asked_for_centuries_ago_is_a_400_naming_the_parameter(world):
    response = world.client_for(world.regional).get("/api/census/status/units/", {"at": "0585-04-08T04:26:01Z"})
    assert response.status_code == 400
    assert "at" in response.json()
