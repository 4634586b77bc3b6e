"""The corrector on an incident: a person's proposal is scored under the incident's
objective, the better allocation is shown victim by victim, and the decision goes to the
audit log with both values."""

from __future__ import annotations

import pytest

from roster.models import AuditEvent
from triage import allocation as alloc
from triage import incident as ops
from triage.models import Allocation, Decision

from .conftest import RED, YELLOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(world, scene):
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="1", answers=RED)
    ops.victim_register(actor=world.nurse.user, incident=scene.incident, tag="2", answers=YELLOW)
    return scene


# Sending the critical victim far away on the basic crew is worse than the optimum.
POOR = {"1": ["A1", "Hill Cottage"], "2": None}


def test_a_poor_proposal_is_scored_and_the_better_one_shown_victim_by_victim(world, two):
    board = alloc.board_of(two.incident, keep_person=False)
    scored = alloc.score(two.incident, board, alloc.proposal_from(board, POOR))
    assert scored.better and scored.higher_is_better
    assert float(scored.recommended_value) > float(scored.proposed_value)
    tags = {d.victim.tag for d in scored.differences}
    assert "1" in tags
    first = next(d for d in scored.differences if d.victim.tag == "1")
    assert first.recommended is not None and first.recommended[1].name == "North General"


def test_the_optimum_has_nothing_better(world, two):
    board = alloc.board_of(two.incident, keep_person=False)
    best = alloc.score(two.incident, board, alloc.proposal_from(board, POOR)).recommended
    again = alloc.score(two.incident, board, best)
    assert not again.better and again.differences == ()


def test_the_cost_model_corrector_names_values_without_floating_point(world, two):
    ops.incident_set_policy(actor=world.coordinator, incident=two.incident, swf="utilitarian", principle="none",
                            objective="cost", sensing_minutes=5, buffer_minutes=2)
    board = alloc.board_of(two.incident, keep_person=False)
    scored = alloc.score(two.incident, board, alloc.proposal_from(board, POOR))
    assert scored.better and not scored.higher_is_better
    assert int(scored.recommended_value) < int(scored.proposed_value)


def test_keeping_a_worse_proposal_needs_a_reason_and_is_recorded_with_both_values(world, two):
    with pytest.raises(alloc.DomainError) as refused:
        alloc.allocation_decide(actor=world.coordinator, incident=two.incident, proposal=POOR, chosen="proposed")
    assert refused.value.field == "reason"
    decision = alloc.allocation_decide(actor=world.coordinator, incident=two.incident, proposal=POOR,
                                       chosen="proposed", reason="North General's trauma bay is closed")
    assert decision.proposed == {"1": ["A1", "Hill Cottage"], "2": None}
    assert float(decision.recommended_value) > float(decision.proposed_value)
    event = AuditEvent.objects.get(action="incident.allocation.decide")
    assert event.actor == world.coordinator and event.site == world.north
    assert event.after["proposed_value"] == decision.proposed_value
    assert event.after["recommended_value"] == decision.recommended_value
    assert event.rationale == "North General's trauma bay is closed"
    # The person's choice is current, and a re-allocation keeps it.
    alloc.reallocate(two.incident.pk)
    row = Allocation.objects.get(current=True, victim__tag="1")
    assert (row.ambulance.call_sign, row.hospital.name, row.source) == ("A1", "Hill Cottage", "person")


def test_choosing_the_recommendation_makes_it_current(world, two):
    decision = alloc.allocation_decide(actor=world.coordinator, incident=two.incident, proposal=POOR,
                                       chosen="recommended")
    assert decision.chosen == "recommended" and Decision.objects.count() == 1
    rows = {a.victim.tag: a for a in Allocation.objects.filter(current=True).select_related("victim", "hospital")}
    assert rows["1"].hospital.name == "North General"
    assert {r.source for r in rows.values()} == {"recommended"}


def test_the_api_scores_and_records_a_decision(world, two):
    client = world.client_for(world.coordinator)
    url = f"/api/incidents/{two.incident.pk}/"
    scored = client.post(f"{url}score/", {"allocation": POOR}, format="json")
    assert scored.status_code == 200, scored.data
    assert scored.data["better"] and scored.data["recommended"]["1"][1] == "North General"
    assert any(d["tag"] == "1" for d in scored.data["differences"])
    decided = client.post(f"{url}decide/", {"allocation": POOR, "chosen": "recommended"}, format="json")
    assert decided.status_code == 201, decided.data
    assert decided.data["by"] == world.coordinator.pk
