"""Redeployment from live data: the adapter, the first hour's recommendations with their
tradeoff, approval rights, an approved move made real, and the triggers' hysteresis."""

from __future__ import annotations

import datetime as dt

import pytest

from allocation import recommendations as rec_mod
from allocation.models.redeploy import Recommendation, RedeployRun, SiteLink
from allocation.recommendations import decide, replan, triggers
from allocation.redeploy_adapter import build
from roster.errors import DomainError, NotAllowed
from roster.models import Assignment, AuditEvent, Notification, RatioRule, Roster, Staff
from tests import factories as f
from tests.allocation.helpers import T, admit


def on_shift(world, staff, unit, now: dt.datetime) -> Assignment:
    """A live shift of ``staff`` in ``unit`` running at ``now`` (the day or night shift; the
    test sites keep London time, which is UTC in winter and in early March)."""
    st = world.day if 7 <= now.hour < 19 else world.night
    day = now.date() if st == world.day or now.hour >= 19 else now.date() - dt.timedelta(days=1)
    roster, _ = Roster.objects.get_or_create(
        unit=unit, version=1, start_date=day - dt.timedelta(days=7),
        defaults={"end_date": day + dt.timedelta(days=21), "status": Roster.Status.PUBLISHED})
    starts = dt.datetime.combine(day, st.start_time, tzinfo=dt.UTC)
    return Assignment.objects.create(roster=roster, staff=staff, shift_type=st, date=day, starts_at=starts,
                                     ends_at=starts + dt.timedelta(minutes=st.duration_minutes), live=True)


def make_surge(world, now: dt.datetime) -> list[Staff]:
    """The North ICU (1 RN : 2 patients) holds 10 patients with 2 RNs; Ward 5 (1 : 4)
    holds 4 with three float-pool RNs on shift."""
    RatioRule.objects.create(unit=world.icu, role=Staff.Role.RN, patients_per_staff=2)
    RatioRule.objects.create(unit=world.ward, role=Staff.Role.RN, patients_per_staff=4)
    admit(world.icu, 10, now - dt.timedelta(hours=3))
    admit(world.ward, 4, now - dt.timedelta(hours=3))
    on_shift(world, world.nurse, world.icu, now)
    on_shift(world, world.colleague, world.icu, now)
    floats = [f.StaffFactory(home_unit=world.ward, float_pool=True, first_name=f"Flo{i}", last_name="Float")
              for i in range(3)]
    for person in floats:
        on_shift(world, person, world.ward, now)
    return floats


@pytest.fixture
def surge(world):
    return make_surge(world, T)


def test_the_adapter_counts_the_float_pool_as_mobile_and_the_rest_as_fixed(world, surge):
    built = build(world.north, at=T, horizon=3)
    assert sorted(m.staff_id for m in built.mobile) == sorted(p.pk for p in surge)
    icu = built.problem.cells[[c.facility for c in built.problem.cells].index(f"u{world.icu.pk}")]
    assert icu.resource == "RN" and icu.demand == (5.0, 5.0, 5.0) and icu.fixed == (2.0, 2.0, 2.0)
    # Within a site a float nurse may work anywhere; there is no unit of another site here.
    assert {(t.source, t.target) for t in built.problem.transfers if t.resource == "RN"} == {
        (f"u{world.icu.pk}", f"u{world.ward.pk}"), (f"u{world.ward.pk}", f"u{world.icu.pk}")}
    assert any("census now" in note for note in built.notes)


def test_staff_never_cross_sites_but_equipment_follows_the_site_table(world, surge):
    SiteLink.objects.create(origin=world.north, destination=world.south, minutes=90, cost=5)
    built = build(None, at=T, horizon=3)
    assert not [t for t in built.problem.transfers if t.resource == "RN"]


def test_a_surge_gives_first_hour_moves_with_their_tradeoff_price_and_rationale(world, surge):
    run = replan(world.north, now=T, force=True)
    assert run is not None and run.status == "optimal"
    recs = list(Recommendation.objects.filter(run=run))
    assert len(recs) == 2  # the ICU is 3 short; the ward keeps the one it needs
    rec = recs[0]
    assert (rec.origin_unit, rec.destination_unit, rec.resource) == (world.ward, world.icu, "RN")
    # One more RN now is worth the penalty it saves less its cost, in every hour it then covers.
    rn_now = next(p for p in run.result["shadow_prices"] if p["resource"] == "RN" and p["epoch"] == 0)
    assert rec.shadow_price == pytest.approx(rn_now["value"], abs=1e-3) and rec.shadow_price > 10 - 1
    r, g = rec.tradeoff["receiver"], rec.tradeoff["giver"]
    assert (r["shortfall_before"], r["shortfall_after"]) == (3, 2)
    assert (r["utilization_before"], r["utilization_after"]) == (250.0, pytest.approx(166.7))
    assert (g["shortfall_before"], g["shortfall_after"]) == (0, 0)
    assert "North Ward 5" in rec.rationale and "North ICU" in rec.rationale
    # Re-planning with nothing new does not propose the same moves again.
    again = replan(world.north, now=T + dt.timedelta(minutes=1), force=True)
    assert Recommendation.objects.filter(run=again).count() == 0
    assert Recommendation.objects.filter(status="proposed").count() == 2


def test_approving_needs_authority_over_both_ends(world, surge):
    replan(world.north, now=T, force=True)
    rec = Recommendation.objects.first()
    with pytest.raises(NotAllowed):
        decide(actor=world.manager, rec=rec, approve=True, now=T)
    south_only = f.UserFactory(username="southco")
    f.grant(south_only, "site_coordinator", sites=[world.south])
    with pytest.raises(NotAllowed):
        decide(actor=south_only, rec=rec, approve=True, now=T)
    with pytest.raises(DomainError) as caught:
        decide(actor=world.coordinator, rec=rec, approve=False, reason=" ", now=T)
    assert caught.value.field == "reason"
    declined = decide(actor=world.coordinator, rec=rec, approve=False, reason="ICU has agency cover", now=T)
    assert declined.status == "declined"
    assert AuditEvent.objects.filter(action="redeploy.decline", rationale="ICU has agency cover").exists()


def test_an_approved_staff_move_becomes_a_shift_in_the_receiving_unit(world, surge):
    replan(world.north, now=T, force=True)
    rec = Recommendation.objects.first()
    person = rec.staff
    done = decide(actor=world.coordinator, rec=rec, approve=True, now=T)
    assert done.status == "arrived" and done.assignment is not None
    live = Assignment.objects.get(staff=person, live=True)
    assert live.roster.unit == world.icu
    assert Notification.objects.filter(recipient=person.user, text__contains="North ICU").exists()
    assert AuditEvent.objects.filter(action="redeploy.approve", site=world.north).exists()
    assert AuditEvent.objects.filter(action="assignment.create", object_id=str(live.pk)).exists()
    with pytest.raises(DomainError):
        decide(actor=world.coordinator, rec=rec, approve=True, now=T)


def test_a_declined_move_is_not_proposed_again_soon(world, surge):
    replan(world.north, now=T, force=True)
    for rec in Recommendation.objects.all():
        decide(actor=world.coordinator, rec=rec, approve=False, reason="not now", now=T)
    replan(world.north, now=T + dt.timedelta(minutes=30), force=True)
    assert not Recommendation.objects.filter(status="proposed").exists()


def test_triggers_have_hysteresis(world, surge):
    run = replan(world.north, now=T, force=True)
    fp = dict(run.fingerprint)
    # Within the hold nothing re-plans, whatever changed.
    jumped = {**fp, "demand": {k: v + 5 for k, v in fp["demand"].items()}}
    assert triggers(world.north, jumped, T + dt.timedelta(minutes=5))[0] == ""
    later = T + rec_mod.HOLD + dt.timedelta(minutes=1)
    # A small change is no jump; a big one is.
    small = {**fp, "demand": {k: v + 1 for k, v in fp["demand"].items()}}
    assert triggers(world.north, small, later)[0] == ""
    assert triggers(world.north, jumped, later)[0] == RedeployRun.Trigger.DEMAND
    # A unit changing zone triggers; the hourly cadence always does.
    zoned = {**fp, "zones": {**fp["zones"], "North Ward 5": "saturated"}}
    assert triggers(world.north, zoned, later)[0] == RedeployRun.Trigger.ZONE
    assert triggers(world.north, fp, T + dt.timedelta(hours=1))[0] == RedeployRun.Trigger.CADENCE
    # Nothing changed: replan without force does nothing.
    assert replan(world.north, now=later) is None


def test_an_approved_equipment_move_is_in_transit_on_the_board_until_it_arrives(world, surge):
    from allocation import board
    from allocation.recommendations import arrived
    from assets.states import State
    from tests.assets import factories as af

    pump = af.asset_type("pump")
    for _ in range(2):
        af.item(pump, site=world.north, unit=world.icu, state=State.DEPLOYED)
    spare = af.item(pump, site=world.north, unit=world.ward, state=State.READY)
    # The ICU's census is forecast to double: the two pumps in use there will not be enough.
    from allocation.models.forecasts import HourForecast

    for h in range(8):
        HourForecast.objects.create(
            unit=world.icu, hour=T.replace(minute=0) + dt.timedelta(hours=h), issued_at=T.replace(minute=0),
            arrivals_mean=1, arrivals_var=1, arrivals_median=1, arrivals_q85=1, arrivals_q90=1,
            census_mean=20.5, census_var=4, census_median=20.5, census_q85=20.5, census_q90=20.5)
    replan(world.north, now=T, force=True)
    rec = Recommendation.objects.get(resource="eq:pump")
    assert rec.item == spare and rec.destination_unit == world.icu
    assert rec.tradeoff["receiver"]["shortfall_before"] >= 1
    decide(actor=world.regional, rec=rec, approve=True, now=T)
    spare.refresh_from_db()
    assert spare.state == State.IN_TRANSIT and spare.destination == world.icu
    shown = [t for t in board.transfers([world.north.pk], T) if t.url.startswith("/redeployment/")]
    assert [(t.status, t.destination) for t in shown] == [("in transit", str(world.icu))]
    assert shown[0].arrives == T + dt.timedelta(minutes=rec_mod.WITHIN_SITE_MINUTES)
    # Shown once: the equipment source leaves a device moved by redeployment to it.
    assert [t.url for t in board.transfers([world.north.pk], T) if spare.serial in t.what] == [shown[0].url]
    # In transit it counts nowhere: the next plan sees it arriving, not at either end.
    built = build(world.north, at=T + dt.timedelta(minutes=5), horizon=3)
    assert [(i.target, i.resource) for i in built.problem.in_transit] == [(f"u{world.icu.pk}", "eq:pump")]
    assert not [m for m in built.mobile if m.item_id == spare.pk]
    arrived(actor=world.coordinator, rec=rec, now=T + dt.timedelta(minutes=20))
    spare.refresh_from_db()
    assert spare.unit == world.icu and spare.state == State.READY
    shown = [t for t in board.transfers([world.north.pk], T + dt.timedelta(minutes=30)) if t.url.startswith("/redeployment/")]
    assert [t.status for t in shown] == ["arrived"]
