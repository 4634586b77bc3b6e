"""Offers: each policy end to end on a real worker, a worker killed between waves, the
first valid acceptance winning among 50 at once, a no-longer-valid acceptance refused
by its rule, the knock-on hole offered in turn, escalation to the next tier, the agency
and the coordinators."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from allocation import board
from allocation.backfill import (
    advance,
    call_in_on_call,
    offer_accept,
    offer_decline,
    unfilled_critical,
    vacancy_pick,
)
from allocation.models.backfill import (
    AgencyRequest,
    Offer,
    OfferPolicy,
    OnCall,
    Vacancy,
    VacancyEvent,
)
from roster.editing import assignment_create
from roster.errors import Conflict, RuleViolation
from roster.models import Assignment, CoverageRequirement, Notification, OpenShift

from .backfill_helpers import call_out, nurse, week

ROOT = Path(__file__).resolve().parents[2]


def wait_for(check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def offered(v: Vacancy) -> list[tuple[int, str]]:
    return list(Offer.objects.filter(vacancy=v).order_by("wave", "rank").values_list("wave", "staff__first_name"))


def team(world, n: int) -> list:
    return [nurse(world, f"n{i:02d}", seniority_years=50 - i) for i in range(n)]


# --- on a real worker -------------------------------------------------------------------

@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_tiered_waves_on_a_worker_then_the_first_acceptance_wins_and_the_others_are_told(
        world, celery_worker_process):
    people = team(world, 2)  # with the colleague: three candidates, one a wave
    v = call_out(world, "waves", wave_size=1, wave_seconds=1)
    first = wait_for(lambda: offered(v))
    assert [w for w, _ in first] == [1]
    wait_for(lambda: len(offered(v)) >= 2, 20)
    waves = offered(v)
    assert [w for w, _ in waves[:2]] == [1, 2]  # one person a wave, none skipped
    second = Offer.objects.get(vacancy=v, wave=2)
    offer_accept(actor=second.staff.user, offer_id=second.pk)
    v.refresh_from_db()
    assert v.status == "filled" and v.filled_by == second.staff and v.fill_tier == 1 and v.fill_cost == "straight"
    assert Assignment.objects.filter(staff=second.staff, date=v.date, live=True).exists()
    first_offer = Offer.objects.get(vacancy=v, wave=1)
    assert first_offer.status == "withdrawn"
    assert Notification.objects.filter(recipient=first_offer.staff.user, text__startswith="No longer needed").exists()
    kinds = list(VacancyEvent.objects.filter(vacancy=v).values_list("kind", flat=True))
    assert kinds[0] == "created" and kinds.count("wave") >= 2 and kinds[-1] == "filled"
    time.sleep(1.5)  # later waves find the vacancy filled: nobody else is asked
    assert Offer.objects.filter(vacancy=v, status="offered").count() == 0
    assert {p.pk for p in people} >= {o.staff_id for o in Offer.objects.filter(vacancy=v)} - {world.colleague.pk}


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_broadcast_to_the_top_n_on_a_worker_the_second_acceptance_is_told_it_is_filled(
        world, celery_worker_process):
    team(world, 3)
    v = call_out(world, "broadcast", top_n=3)
    offers = wait_for(lambda: list(Offer.objects.filter(vacancy=v).select_related("staff__user")) if
                      Offer.objects.filter(vacancy=v).count() == 3 else None)
    assert [o.rank for o in offers] == [1, 2, 3] and {o.wave for o in offers} == {1}
    offer_accept(actor=offers[1].staff.user, offer_id=offers[1].pk)
    with pytest.raises(Conflict, match="filled"):
        offer_accept(actor=offers[0].staff.user, offer_id=offers[0].pk)
    assert Assignment.objects.filter(date=v.date, live=True, shift_type=world.day).count() == 1


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_one_at_a_time_on_a_worker_a_decline_or_no_reply_asks_the_next(world, celery_worker_process):
    team(world, 2)
    v = call_out(world, "one_at_a_time", wave_seconds=2)
    first = wait_for(lambda: Offer.objects.filter(vacancy=v, wave=1).select_related("staff__user").first())
    assert first.reply_by is not None and Offer.objects.filter(vacancy=v).count() == 1
    offer_decline(actor=first.staff.user, offer_id=first.pk)
    second = wait_for(lambda: Offer.objects.filter(vacancy=v, wave=2).first(), 10)
    assert second.staff_id != first.staff_id
    # No reply within 2 s: expired, and the third is asked.
    third = wait_for(lambda: Offer.objects.filter(vacancy=v, wave=3).first(), 15)
    second.refresh_from_db()
    assert second.status == "expired" and third.staff_id not in (first.staff_id, second.staff_id)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_manager_pick_on_a_worker(world, celery_worker_process):
    team(world, 1)
    v = call_out(world, "manager_pick", top_n=2)
    offers = wait_for(lambda: list(Offer.objects.filter(vacancy=v).select_related("staff__user"))
                      if Offer.objects.filter(vacancy=v).count() == 2 else None)
    for o in offers:
        assert offer_accept(actor=o.staff.user, offer_id=o.pk).status == "available"
    v.refresh_from_db()
    assert v.status == "open"  # nobody works it until the manager picks
    assert Notification.objects.filter(recipient=world.manager, text__contains="pick from the replies").exists()
    vacancy_pick(actor=world.manager, offer_id=offers[1].pk)
    v.refresh_from_db()
    assert v.status == "filled" and v.filled_by_id == offers[1].staff_id
    assert Offer.objects.get(pk=offers[0].pk).status == "withdrawn"


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"killable-{time.monotonic_ns()}@%h"], cwd=ROOT, env=env)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_between_waves_skips_no_wave_and_offers_nobody_twice(world):
    from allocation.tasks import backfill_sweep

    db = settings.DATABASES["default"]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test",
               DATABASE_URL=f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    from config.celery import app

    team(world, 3)
    # The suite's shared worker, when an earlier test started it, may take the next wave
    # itself: then only "nothing skipped, nobody twice" can be checked, not the kill.
    alone = not app.control.ping(timeout=0.5)
    proc = _worker(env)
    try:
        v = call_out(world, "waves", wave_size=1, wave_seconds=3)
        wait_for(lambda: Offer.objects.filter(vacancy=v, wave=1).exists(), 60)
        proc.kill()  # the countdown for wave 2 dies with it (held, not acknowledged)
        proc.wait()
        time.sleep(3.5)
        if alone:
            assert not Offer.objects.filter(vacancy=v, wave=2).exists()
        proc = _worker(env)
        # Beat's sweep (each minute) finds the step left due; run it now rather than wait.
        backfill_sweep.apply_async()
        wait_for(lambda: Offer.objects.filter(vacancy=v, wave=2).exists(), 60)
        backfill_sweep.apply_async()  # once more, as beat would: nothing twice
        wait_for(lambda: Offer.objects.filter(vacancy=v, wave=3).exists(), 30)
    finally:
        proc.kill()
        proc.wait()
    rows = list(Offer.objects.filter(vacancy=v).values_list("wave", "staff_id"))
    waves = sorted(w for w, _ in rows)
    assert waves[:3] == [1, 2, 3] and len(waves) == len(set(waves))  # each wave once, none skipped
    assert len({s for _, s in rows}) == len(rows)  # nobody offered twice
    assert VacancyEvent.objects.filter(vacancy=v, kind="wave").count() == len(waves)


# --- settled in the database ------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_fifty_acceptances_at_once_give_exactly_one_assignment(world):
    people = team(world, 49)
    v = call_out(world, "broadcast", top_n=60)
    Vacancy.objects.filter(pk=v.pk).update(next_step_at=v.created_at)
    advance(v.pk)
    offers = list(Offer.objects.filter(vacancy=v).select_related("staff__user"))
    assert len(offers) == 50 and {o.staff_id for o in offers} == {p.pk for p in people} | {world.colleague.pk}
    barrier = threading.Barrier(len(offers))
    results: list[str] = []

    def accept(o: Offer) -> None:
        try:
            barrier.wait()
            offer_accept(actor=o.staff.user, offer_id=o.pk)
            results.append("won")
        except Conflict:
            results.append("conflict")
        except Exception as exc:  # pragma: no cover - reported below
            results.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(o,)) for o in offers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(set(results)) == ["conflict", "won"] and results.count("won") == 1, results
    assert Assignment.objects.filter(roster=v.roster, date=v.date, shift_type=world.day).count() == 1
    v.refresh_from_db()
    assert v.status == "filled"
    assert Offer.objects.filter(vacancy=v, status="accepted").count() == 1
    assert Offer.objects.filter(vacancy=v, status="withdrawn").count() == 49


@pytest.mark.django_db
def test_an_acceptance_no_longer_valid_is_refused_naming_the_rule(world):
    v = call_out(world, "broadcast", top_n=5)
    advance(v.pk)
    offer = Offer.objects.get(vacancy=v, staff=world.colleague)
    # Since the offer, the colleague was rostered the night before: no rest.
    assignment_create(actor=world.admin, roster=v.roster, staff=world.colleague, shift_type=world.night,
                      day=v.date - dt.timedelta(days=1))
    with pytest.raises(RuleViolation, match="Minimum rest between shifts"):
        offer_accept(actor=world.colleague.user, offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.status == "refused" and "Minimum rest" in offer.note
    assert VacancyEvent.objects.filter(vacancy=v, kind="refused").exists()
    v.refresh_from_db()
    assert v.status == "open"


@pytest.mark.django_db
def test_accepting_a_move_leaves_a_hole_there_that_is_offered_in_turn(world):
    v = call_out(world, "broadcast", top_n=5)
    ward_roster = week(world, world.ward)
    floater = nurse(world, "floater", unit=world.ward, float_pool=True)
    assignment_create(actor=world.admin, roster=ward_roster, staff=floater, shift_type=world.day, day=v.date)
    CoverageRequirement.objects.create(unit=world.ward, date=v.date, shift_type=world.day, role="RN",
                                       minimum=1, preferred=1, maximum=3)
    advance(v.pk)
    offer = Offer.objects.get(vacancy=v, staff=floater)
    assert offer.moves_from is not None
    offer_accept(actor=floater.user, offer_id=offer.pk)
    assert Assignment.objects.get(staff=floater, date=v.date, live=True).roster.unit == world.icu
    hole = OpenShift.objects.get(roster__unit=world.ward, date=v.date, status="open")
    assert Vacancy.objects.get(open_shift=hole).source == "call_out"


@pytest.mark.django_db
def test_unfilled_at_the_deadline_it_escalates_to_the_next_tier_then_the_agency_then_the_coordinators(world):
    v = call_out(world, "waves", wave_size=5, wave_seconds=600, escalation_minutes=30)
    overtime = nurse(world, "ot", fte=0.1)
    assignment_create(actor=world.admin, roster=v.roster, staff=overtime, shift_type=world.day,
                      day=v.roster.start_date)
    advance(v.pk)
    assert [s for _, s in offered(v)] == ["Cal"]  # tier 1: straight time only
    v.refresh_from_db()
    late = v.deadline + dt.timedelta(seconds=1)
    assert advance(v.pk, late) == "next tier"
    assert {s for _, s in offered(v)} == {"Cal", "Ot"}
    v.refresh_from_db()
    assert advance(v.pk, v.deadline + dt.timedelta(seconds=1)) == "agency"
    assert AgencyRequest.objects.get(vacancy=v).status == "requested"
    v.refresh_from_db()
    assert advance(v.pk, v.deadline + dt.timedelta(seconds=1)) == "coordinator"
    v.refresh_from_db()
    assert v.status == "escalated"
    assert Notification.objects.filter(recipient=world.coordinator, text__startswith="Unfilled critical").exists()
    assert unfilled_critical([world.north.pk, world.south.pk], v.starts_at - dt.timedelta(hours=2)) == {
        world.north.pk: 1}
    alerts = [a for a in board.alerts([world.north.pk], v.starts_at - dt.timedelta(hours=2))
              if "Unfilled critical vacancy" in a.text]
    assert alerts and alerts[0].severity == "critical"
    assert advance(v.pk, v.deadline + dt.timedelta(hours=1)) == "closed"  # nothing more to do


@pytest.mark.django_db
def test_call_in_on_call_offers_the_on_call_staff_first(world):
    v0 = call_out(world, None)  # a published week with a free colleague
    on_call = nurse(world, "oncall", fte=0.1)
    assignment_create(actor=world.admin, roster=v0.roster, staff=on_call, shift_type=world.day,
                      day=v0.roster.start_date)
    OnCall.objects.create(staff=on_call, date=v0.date)
    v = call_in_on_call(actor=world.manager, unit=world.icu, shift_type=world.night, day=v0.date, role="RN")
    assert (v.source, v.policy) == ("on_call", "broadcast")
    advance(v.pk)
    assert [s for _, s in offered(v)] == ["Oncall"]
    assert OpenShift.objects.get(pk=v.open_shift_id).announced_at is not None  # not told to everyone
    assert OfferPolicy.objects.count() == 0


@pytest.mark.django_db
def test_an_offer_reaches_the_inbox_the_email_queue_and_the_sms_log(world, django_capture_on_commit_callbacks):
    from allocation.backfill.sms import LogSms

    LogSms.sent = []
    world.colleague.phone = "07700 900456"
    world.colleague.save()
    v = call_out(world, "broadcast", top_n=1)
    with django_capture_on_commit_callbacks(execute=True):
        advance(v.pk)
    note = Notification.objects.get(recipient=world.colleague.user, text__startswith="Can you work")
    assert note.link.startswith("/backfill/offers/")
    assert LogSms.sent == [("07700 900456", note.text)]
