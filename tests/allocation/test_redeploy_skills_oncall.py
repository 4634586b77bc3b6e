"""Redeployment by role and skill, and on-call staff in the mobile pool: a unit asking for
a skill gets a holder of it, a skill nobody mobile holds shows as shortfall with its
price, and on-call people are called in (an hour later, dearer than the float pool) only
where the rulebook lets them work."""

from __future__ import annotations

import datetime as dt

import pytest

from allocation.backfill.sms import LogSms
from allocation.models.backfill import OnCall
from allocation.models.redeploy import Recommendation
from allocation.recommendations import decide, replan
from allocation.redeploy_adapter import HORIZON, ON_CALL_COST, RN_PENALTY, STAFF_COST, build
from roster.errors import Conflict
from roster.models import (
    Assignment,
    CoverageRequirement,
    Notification,
    RatioRule,
    SkillMixRule,
    Staff,
)
from tests import factories as f
from tests.allocation.helpers import T, admit
from tests.allocation.test_redeploy_recommendations import on_shift

ICU_RN = "RN·icu"


def staying(world, staff, unit):
    """On shift in ``unit`` now and through the plan's horizon (no gap at the shift change
    to fill, so the plan moves people only for what the test sets up)."""
    shift = on_shift(world, staff, unit, T)
    shift.ends_at = T + dt.timedelta(hours=HORIZON + 1)
    shift.save(update_fields=["ends_at"])
    return shift


def cell(run, facility: str, resource: str):
    return next(c for c in run.result["plan"] if c["facility"] == facility and c["resource"] == resource)


@pytest.fixture
def icu_skill(world):
    """The North ICU (1 RN : 2 patients) holds 4 patients with its two RNs, who hold no ICU
    skill; its day shift asks for one RN with the ICU skill."""
    skill = f.SkillFactory(code="icu", name="Intensive care")
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    admit(world.icu, 4, T - dt.timedelta(hours=3))
    staying(world, world.nurse, world.icu)
    staying(world, world.colleague, world.icu)
    CoverageRequirement.objects.create(unit=world.icu, date=T.date(), shift_type=world.day, role=Staff.Role.RN,
                                       skill=skill, minimum=1, preferred=1, maximum=1)
    return skill


def test_a_unit_asking_for_a_skill_gets_a_holder_never_a_cheaper_unskilled_float(world, icu_skill):
    # An unskilled float nurse already in the ICU would cost nothing to use; the skilled
    # one is in Ward 5.
    handy = f.StaffFactory(home_unit=world.ward, float_pool=True, first_name="Una", last_name="Unskilled")
    on_shift(world, handy, world.icu, T)
    skilled = f.StaffFactory(home_unit=world.ward, float_pool=True, first_name="Sky", last_name="Skilled")
    skilled.skills.add(icu_skill)
    on_shift(world, skilled, world.ward, T)

    built = build(world.north, at=T, horizon=3)
    icu = f"u{world.icu.pk}"
    by = {(c.facility, c.resource): c for c in built.problem.cells}
    # The skilled demand is part of the RN demand: 2 RNs, one of them with the skill.
    assert by[(icu, ICU_RN)].demand == (1.0, 1.0, 1.0) and by[(icu, ICU_RN)].fixed == (0.0, 0.0, 0.0)
    assert by[(icu, "RN")].demand == (1.0, 1.0, 1.0) and by[(icu, "RN")].fixed == (2.0, 2.0, 2.0)
    assert {(m.staff_id, m.resource) for m in built.mobile} == {(handy.pk, "RN"), (skilled.pk, ICU_RN)}
    assert built.labels[ICU_RN] == "Registered nurse · Intensive care"

    run = replan(world.north, now=T, force=True)
    recs = list(Recommendation.objects.filter(run=run))
    assert [(r.resource, r.staff, r.destination_unit) for r in recs] == [(ICU_RN, skilled, world.icu)]
    assert recs[0].resource_label == "Registered nurse · Intensive care"
    assert cell(run, icu, ICU_RN)["u"][0] == 0

    # Approval still checks the person holds the skill, then moves them like any float.
    skilled.skills.clear()
    with pytest.raises(Conflict) as caught:
        decide(actor=world.coordinator, rec=recs[0], approve=True, now=T)
    assert caught.value.field == "staff"
    skilled.skills.add(icu_skill)
    done = decide(actor=world.coordinator, rec=recs[0], approve=True, now=T)
    assert done.status == "arrived"
    assert Assignment.objects.get(staff=skilled, live=True).roster.unit == world.icu


def test_a_skill_nobody_mobile_holds_is_shortfall_with_its_price(world):
    skill = f.SkillFactory(code="icu", name="Intensive care")
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    SkillMixRule.objects.create(unit=world.icu, skill=skill, minimum=1)  # no role named: RNs'
    admit(world.icu, 4, T - dt.timedelta(hours=3))
    staying(world, world.nurse, world.icu)
    staying(world, world.colleague, world.icu)
    plain = f.StaffFactory(home_unit=world.ward, float_pool=True, first_name="Una", last_name="Unskilled")
    on_shift(world, plain, world.ward, T)

    run = replan(world.north, now=T, force=True)
    assert not Recommendation.objects.filter(run=run).exists()
    icu = f"u{world.icu.pk}"
    assert cell(run, icu, ICU_RN)["u"][0] == pytest.approx(1)
    assert cell(run, icu, "RN")["u"][0] == pytest.approx(0)
    price = next(p["value"] for p in run.result["shadow_prices"] if p["resource"] == ICU_RN and p["epoch"] == 0)
    # One more ICU-skilled RN would save the penalty less its cost.
    assert price >= RN_PENALTY - STAFF_COST - 1e-6
    assert run.result["bottleneck"]["resource"] == ICU_RN


@pytest.fixture
def short_icu(world):
    """The North ICU (1 RN : 2 patients) holds 6 patients with two RNs: one short."""
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    admit(world.icu, 6, T - dt.timedelta(hours=3))
    staying(world, world.nurse, world.icu)
    staying(world, world.colleague, world.icu)


def test_an_on_call_nurse_is_called_in_when_no_float_is_there(world, short_icu,
                                                              django_capture_on_commit_callbacks):
    otto = f.StaffFactory(home_unit=world.icu, first_name="Otto", last_name="Oncall")
    OnCall.objects.create(staff=otto, date=T.date())

    built = build(world.north, at=T, horizon=3)
    [mobile] = built.mobile
    assert (mobile.staff_id, mobile.resource, mobile.on_call) == (otto.pk, "RN", True)
    calls = [t for t in built.problem.transfers if t.source == mobile.facility]
    assert [(t.target, t.epochs, t.cost) for t in calls] == [(f"u{world.icu.pk}", 1, ON_CALL_COST)]

    run = replan(world.north, now=T, force=True)
    [rec] = Recommendation.objects.filter(run=run)
    assert (rec.staff, rec.destination_unit, rec.resource) == (otto, world.icu, "RN")
    assert "on call, called in" in rec.rationale and rec.travel_minutes == 60
    assert rec.resource_label == "Registered nurse (on call)"
    # The network's plan counts her too, but leaves the call to the site's.
    network = replan(None, now=T, force=True)
    assert any(m["from"].startswith("c") for m in network.result["moves"])
    assert not Recommendation.objects.filter(run=network).exists()
    assert (rec.tradeoff["receiver"]["shortfall_before"], rec.tradeoff["receiver"]["shortfall_after"]) == (1, 0)
    # Called now, working an epoch later: the ICU is short in the first hour only.
    icu = cell(run, f"u{world.icu.pk}", "RN")
    assert icu["u"][:2] == [pytest.approx(1), pytest.approx(0)] and icu["x"][:2] == [0, pytest.approx(1)]
    move = next(m for m in run.result["moves"] if m["from"] == mobile.facility)
    assert (move["epoch"], move["arrives"]) == (0, 1)

    LogSms.sent = []
    with django_capture_on_commit_callbacks(execute=True):
        done = decide(actor=world.coordinator, rec=rec, approve=True, now=T)
    assert done.arrives_at == T + dt.timedelta(hours=1)
    assert [(to, "called in" in text) for to, text in LogSms.sent] == [(otto.phone, True)]
    shift = Assignment.objects.get(staff=otto, live=True)
    assert (shift.roster.unit, shift.shift_type, shift.date) == (world.icu, world.day, T.date())
    assert done.assignment == shift
    assert Notification.objects.filter(recipient=otto.user, text__contains="called in").exists()
    # Re-planning with the call made proposes no second call-in.
    replan(world.north, now=T + dt.timedelta(minutes=2), force=True)
    assert not Recommendation.objects.filter(status="proposed").exists()


def test_the_float_pool_goes_before_on_call(world, short_icu):
    otto = f.StaffFactory(home_unit=world.icu, first_name="Otto", last_name="Oncall")
    OnCall.objects.create(staff=otto, date=T.date())
    flo = f.StaffFactory(home_unit=world.ward, float_pool=True, first_name="Flo", last_name="Float")
    on_shift(world, flo, world.ward, T)
    run = replan(world.north, now=T, force=True)
    assert [r.staff for r in Recommendation.objects.filter(run=run)] == [flo]


def test_on_call_staff_are_never_sent_where_they_may_not_work(world, short_icu):
    # On call for Ward 5 (not in the float pool, not cross-trained) and for the South ED.
    ward = f.StaffFactory(home_unit=world.ward, first_name="Wyn", last_name="Ward")
    OnCall.objects.create(staff=ward, date=T.date())
    OnCall.objects.create(staff=world.outsider, date=T.date())
    # On shift already, or rostered to start within the plan: not waiting to be called in.
    OnCall.objects.create(staff=world.nurse, date=T.date())
    later = f.StaffFactory(home_unit=world.icu, first_name="Lat", last_name="Later")
    OnCall.objects.create(staff=later, date=T.date())
    rostered = on_shift(world, later, world.icu, T)
    rostered.starts_at = T + dt.timedelta(hours=2)
    rostered.save(update_fields=["starts_at"])

    built = build(world.north, at=T, horizon=3)
    assert [m.staff_id for m in built.mobile] == [ward.pk]
    assert not [t for t in built.problem.transfers if t.source.startswith("c") and t.target == f"u{world.icu.pk}"]
    network = build(None, at=T, horizon=3)
    assert not [t for t in network.problem.transfers
                if t.source.startswith("c") and t.target == f"s{world.north.pk}"
                and any(m.staff_id == world.outsider.pk and m.facility == t.source for m in network.mobile)]

    run = replan(world.north, now=T, force=True)
    assert not Recommendation.objects.filter(run=run).exists()
    assert run.result["plan"] and cell(run, f"u{world.icu.pk}", "RN")["u"][0] == pytest.approx(1)


def test_an_on_call_nurse_covers_her_own_unit_while_its_float_helps_elsewhere(world, short_icu):
    # Ward 5 (1 RN : 4 patients) holds 4 with only a float nurse on shift; the ICU is one
    # short. Its on-call nurse may work only in Ward 5: called in there, the float may go.
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.RN, patients_per_staff=4)
    admit(world.ward, 4, T - dt.timedelta(hours=3))
    flo = f.StaffFactory(home_unit=world.ward, float_pool=True, first_name="Flo", last_name="Float")
    staying(world, flo, world.ward)
    wyn = f.StaffFactory(home_unit=world.ward, first_name="Wyn", last_name="Ward")
    OnCall.objects.create(staff=wyn, date=T.date())

    run = replan(world.north, now=T, force=True)
    called = Recommendation.objects.get(run=run, staff=wyn)
    assert (called.destination_unit, called.travel_minutes) == (world.ward, 60)
    assert "on call, called in" in called.rationale
    # Nobody is left short for the rest of the plan.
    assert cell(run, f"u{world.icu.pk}", "RN")["u"][2:] == [0] * (HORIZON - 2)
    assert cell(run, f"u{world.ward.pk}", "RN")["u"][2:] == [0] * (HORIZON - 2)


def test_an_on_call_nurse_cross_trained_for_the_unit_may_be_called_in_there(world, short_icu):
    wyn = f.StaffFactory(home_unit=world.ward, first_name="Wyn", last_name="Ward")
    wyn.cross_trained_units.add(world.icu)
    OnCall.objects.create(staff=wyn, date=T.date())
    run = replan(world.north, now=T, force=True)
    rec = Recommendation.objects.get(run=run, staff=wyn)
    assert (rec.origin_unit, rec.destination_unit) == (world.ward, world.icu)
    decide(actor=world.coordinator, rec=rec, approve=True, now=T)
    assert Assignment.objects.get(staff=wyn, live=True).roster.unit == world.icu
