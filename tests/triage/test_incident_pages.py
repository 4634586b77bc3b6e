"""The incident pages: the list, the board (and its polled partial), the register and
retriage question flow, and the corrector; who may use each."""

from __future__ import annotations

import pytest

from triage import allocation as alloc
from triage import incident as ops
from triage.models import Decision, Victim

from .conftest import RED, YELLOW

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def test_a_coordinator_opens_an_incident_from_the_list(client, world):
    c = _client(client, world.coordinator)
    assert c.get("/incidents/").status_code == 200
    response = c.post("/incidents/", {"site": world.north.pk, "kind": "fire", "algorithm": "start"})
    assert response.status_code == 302
    board = c.get(response["Location"])
    assert board.status_code == 200 and b"Register a victim" in board.content


def test_the_board_shows_victims_by_priority_with_the_recommendation_and_its_lock(client, world, scene):
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="2", answers=YELLOW)
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    alloc.reallocate(scene.incident.pk)
    response = _client(client, world.nurse.user).get(f"/incidents/{scene.incident.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index("Tag 1") < text.index("Tag 2")
    assert "→ North General" in text and "locks in" in text
    assert 'hx-trigger="every 5s"' in text
    # The nurse registers and retriages; only coordinators manage the incident.
    assert "Propose an allocation" not in text and "Add ambulance" not in text


def test_the_polled_partial_is_the_live_part_only(client, world, scene):
    response = _client(client, world.coordinator).get(f"/incidents/{scene.incident.pk}/", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert 'id="board-live"' in text and "<html" not in text and "Add ambulance" not in text


def test_a_nurse_of_another_site_does_not_see_the_board(client, world, scene):
    assert _client(client, world.outsider.user).get(f"/incidents/{scene.incident.pk}/").status_code == 404
    assert client.get(f"/incidents/{scene.incident.pk}/register/").status_code == 404


def test_the_question_flow_asks_one_question_at_a_time_and_registers_at_the_end(client, world, scene):
    c = _client(client, world.nurse.user)
    url = f"/incidents/{scene.incident.pk}/register/"
    first = c.get(url)
    assert b"Can they walk?" in first.content
    step = c.post(url, {"tag": "55", "age_band": "adult", "answer": "walks=false"})
    assert b"Are they breathing?" in step.content and not Victim.objects.exists()
    step = c.post(url, {"tag": "55", "age_band": "adult", "a_walks": "false", "answer": "breathing=true"})
    assert b"Breaths per minute?" in step.content
    done = c.post(url, {"tag": "55", "age_band": "adult", "a_walks": "false", "a_breathing": "true",
                        "answer": "respiratory_rate=34"})
    assert done.status_code == 200 and b'data-testid="result"' in done.content
    victim = Victim.objects.get(tag="55")
    assert (victim.colour, victim.priority, victim.registered_by) == ("red", 1, world.nurse.user)


def test_a_duplicate_tag_on_the_page_is_named(client, world, scene):
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="55", answers={"walks": True})
    response = _client(client, world.nurse.user).post(
        f"/incidents/{scene.incident.pk}/register/", {"tag": "55", "age_band": "adult", "answer": "walks=true"})
    assert response.status_code == 400 and b"Tag 55 is already registered" in response.content


def test_a_retriage_on_the_page_keeps_the_history(client, world, scene):
    victim = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="8", answers={"walks": True})
    c = _client(client, world.colleague.user)
    url = f"/incidents/{scene.incident.pk}/victims/{victim.pk}/retriage/"
    assert b"Can they walk?" in c.get(url).content
    c.post(url, {"age_band": "adult", "a_walks": "false", "a_breathing": "false", "answer": "breathes_after_airway=true"})
    victim.refresh_from_db()
    assert victim.colour == "red" and victim.triages.count() == 2
    assert b"breathes only after airway repositioning" in c.get(f"/incidents/{scene.incident.pk}/victims/{victim.pk}/").content


def test_the_corrector_scores_a_proposal_and_records_the_decision(client, world, scene):
    one = ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    c = _client(client, world.coordinator)
    url = f"/incidents/{scene.incident.pk}/corrector/"
    assert c.get(url).status_code == 200
    poor = {f"v{one.pk}_ambulance": "A1", f"v{one.pk}_hospital": "Hill Cottage"}
    scored = c.post(url, poor)
    assert scored.status_code == 200 and b'data-testid="better"' in scored.content
    decided = c.post(url, {**poor, "chosen": "recommended"})
    assert decided.status_code == 302
    assert Decision.objects.get().chosen == "recommended"


def test_a_nurse_cannot_open_the_corrector(client, world, scene):
    assert _client(client, world.nurse.user).get(f"/incidents/{scene.incident.pk}/corrector/").status_code == 403


def test_the_coordinator_adds_an_ambulance_and_a_bad_one_is_named(client, world, scene):
    c = _client(client, world.coordinator)
    url = f"/incidents/{scene.incident.pk}/ambulances/"
    c.post(url, {"call_sign": "C3", "crew": "2"})
    assert scene.incident.ambulances.filter(call_sign="C3", crew=2).exists()
    response = c.post(url, {"call_sign": "A1", "crew": "1"}, follow=True)
    assert b"A1 is already at this incident" in response.content


def test_coordinators_see_incidents_in_the_navigation_and_staff_do_not(client, world):
    assert b'href="/incidents/"' in _client(client, world.coordinator).get("/").content
    client.logout()
    assert b'href="/incidents/"' not in _client(client, world.nurse.user).get("/").content


def test_the_board_costs_the_same_queries_for_two_victims_or_eight(client, world, scene):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = _client(client, world.coordinator)
    url = f"/incidents/{scene.incident.pk}/"

    def queries() -> int:
        alloc.reallocate(scene.incident.pk)
        with CaptureQueriesContext(connection) as captured:
            assert c.get(url, HTTP_HX_REQUEST="true").status_code == 200
        return len(captured)

    for n in range(2):
        ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag=f"a{n}", answers=RED)
    few = queries()
    for n in range(6):
        ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag=f"b{n}", answers=YELLOW)
    assert queries() == few


def test_a_tag_already_registered_is_named_at_the_first_answer(client, world, scene):
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="77", answers={"walks": True})
    response = _client(client, world.nurse.user).post(
        f"/incidents/{scene.incident.pk}/register/", {"tag": "77", "age_band": "adult", "answer": "walks=false"})
    assert response.status_code == 400
    assert b"Tag 77 is already registered" in response.content and b"Can they walk?" in response.content


def test_a_bad_answer_on_the_page_is_named_and_the_flow_starts_again(client, world, scene):
    response = _client(client, world.nurse.user).post(
        f"/incidents/{scene.incident.pk}/register/",
        {"tag": "5", "age_band": "adult", "a_walks": "false", "a_breathing": "true", "answer": "respiratory_rate=lots"})
    assert response.status_code == 400 and b"Breaths per minute" in response.content
    assert not Victim.objects.exists()
