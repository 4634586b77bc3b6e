"""Mutual aid between sites: proposed on a sustained imbalance, requested, acknowledged,
deployed, recalled and reconciled, each step by the right coordinator and audited at
both sites; the state crisis escalation reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from allocation import mutual_aid as aid
from allocation.models import UnitHour
from allocation.models.redeploy import MutualAidRequest
from roster.errors import Conflict, DomainError, NotAllowed
from roster.models import AuditEvent, Notification, RatioRule, Staff
from tests import factories as f
from tests.allocation.helpers import T, admit, shift


def hour_row(unit, hour, census, staffed):
    UnitHour.objects.create(unit=unit, hour=hour, census=census, on_shift=0, on_shift_rn=0, required={},
                            required_total=0, beds=unit.beds, staffed_beds=staffed)


@pytest.fixture
def imbalance(world):
    """North has been saturated for hours; South nearly empty."""
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.RN, patients_per_staff=4)  # closed: nobody on
    admit(world.icu, 10)
    shift(world.nurse, world.icu, T.replace(hour=7))
    shift(world.colleague, world.icu, T.replace(hour=7))
    admit(world.ed, 2)
    for h in (2, 1):
        hour_row(world.icu, T.replace(minute=0) - dt.timedelta(hours=h), 10, 4)
        hour_row(world.ward, T.replace(minute=0) - dt.timedelta(hours=h), 0, 0)
        hour_row(world.ed, T.replace(minute=0) - dt.timedelta(hours=h), 2, 20)
    south_co = f.UserFactory(username="southco")
    f.grant(south_co, "site_coordinator", sites=[world.south])
    return south_co


def test_a_sustained_imbalance_is_proposed_once(world, imbalance):
    made = aid.propose(T)
    assert [(m.site, m.lender, m.status) for m in made] == [(world.north, world.south, "proposed")]
    assert "North General" in made[0].basis and "South Infirmary" in made[0].basis
    assert aid.propose(T + dt.timedelta(minutes=1)) == []  # one open at a time per pair
    assert aid.mutual_aid_state([world.north.pk, world.south.pk]) == {world.north.pk: "proposed",
                                                                      world.south.pk: "proposed"}


def test_a_brief_spike_is_not_sustained(world, imbalance):
    UnitHour.objects.filter(unit=world.icu, hour=T.replace(minute=0) - dt.timedelta(hours=2)).update(census=1)
    assert aid.propose(T) == []


def test_the_loan_goes_through_its_steps_with_the_right_coordinators(world, imbalance):
    south_co = imbalance
    with pytest.raises(NotAllowed):
        aid.request(actor=south_co, lender=world.south, borrower=world.north, resource="RN", quantity=2, hours=8)
    with pytest.raises(DomainError) as caught:
        aid.request(actor=world.coordinator, lender=world.south, borrower=world.north, resource="RN",
                    quantity=0, hours=8)
    assert caught.value.field == "quantity"
    with pytest.raises(DomainError) as caught:
        aid.request(actor=world.coordinator, lender=world.north, borrower=world.north, resource="RN",
                    quantity=1, hours=8)
    assert caught.value.field == "lender"
    loan = aid.request(actor=world.coordinator, lender=world.south, borrower=world.north, resource="RN",
                       quantity=2, hours=8, rate="40", now=T)
    assert loan.ack_due_at == T + dt.timedelta(minutes=15)
    assert Notification.objects.filter(recipient=south_co, text__contains="acknowledge").exists()
    with pytest.raises(NotAllowed):  # only the lender acknowledges
        aid.acknowledge(actor=world.coordinator, loan=loan, now=T)
    aid.acknowledge(actor=south_co, loan=loan, now=T + dt.timedelta(minutes=5))
    with pytest.raises(Conflict):
        aid.acknowledge(actor=south_co, loan=loan)
    aid.deploy(actor=south_co, loan=loan, now=T + dt.timedelta(hours=1))
    assert aid.mutual_aid_state([world.north.pk, world.south.pk]) == {world.north.pk: "borrowing",
                                                                      world.south.pk: "lending"}
    with pytest.raises(DomainError) as caught:
        aid.recall(actor=south_co, loan=loan, reason="")
    assert caught.value.field == "reason"
    aid.recall(actor=south_co, loan=loan, reason="Our own major incident", now=T + dt.timedelta(hours=4))
    done = aid.reconcile(actor=world.coordinator, loan=loan, now=T + dt.timedelta(hours=5))
    assert done.status == "reconciled"
    assert done.reconciliation["hours"] == 3.0 and done.reconciliation["quantity"] == 2
    assert Decimal(done.reconciliation["amount"]) == Decimal("240.00")  # 3 h × 2 × 40
    assert done.reconciliation["recalled"] is True
    steps = ["request", "acknowledged", "deployed", "recalled", "reconciled"]
    for site in (world.north, world.south):
        logged = list(AuditEvent.objects.filter(site=site, object_type="allocation.MutualAidRequest")
                      .order_by("id").values_list("action", flat=True))
        assert logged == [f"mutual_aid.{s}" for s in steps]


def test_the_clock_reminds_then_escalates_only_while_unacknowledged(world, imbalance):
    loan = aid.request(actor=world.coordinator, lender=world.south, borrower=world.north, resource="RN",
                       quantity=1, hours=4, now=T)
    assert not aid.remind(loan.pk, T + dt.timedelta(minutes=5))  # too early
    assert aid.remind(loan.pk, T + dt.timedelta(minutes=10))
    assert not aid.remind(loan.pk, T + dt.timedelta(minutes=11))  # once
    assert not aid.escalate(loan.pk, T + dt.timedelta(minutes=14))
    assert aid.escalate(loan.pk, T + dt.timedelta(minutes=15))
    assert Notification.objects.filter(recipient=world.regional, text__startswith="Escalated").exists()
    acked = aid.request(actor=world.coordinator, lender=world.south, borrower=world.north, resource="HCA",
                        quantity=1, hours=4, now=T)
    aid.acknowledge(actor=imbalance, loan=acked, now=T + dt.timedelta(minutes=3))
    assert not aid.escalate(acked.pk, T + dt.timedelta(minutes=20))
    assert MutualAidRequest.objects.get(pk=acked.pk).escalated_at is None
