"""Swaps: rule-checked before anything is offered, accepted by the colleague, approved
by the manager (or automatically), carried out atomically and audited, both notified."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from roster import swaps
from roster.editing import assignment_create
from roster.errors import NotAllowed, RuleViolation
from roster.models import Assignment, AuditEvent, Notification, SwapRequest
from roster.rosters import roster_create, roster_publish, stale_reason
from tests import factories as f
from tests.roster.test_marketplace import upcoming_monday


def week(world):
    start = upcoming_monday()
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    given = assignment_create(actor=world.admin, roster=roster, staff=world.nurse,
                                       shift_type=world.day, day=start + dt.timedelta(days=2))
    theirs = assignment_create(actor=world.admin, roster=roster, staff=world.colleague,
                                        shift_type=world.day, day=start + dt.timedelta(days=4))
    roster_publish(actor=world.admin, roster=roster)
    given.refresh_from_db()
    theirs.refresh_from_db()
    return roster, given, theirs


def test_offer_accept_approve_moves_the_shift_and_tells_both(world):
    _, given, _ = week(world)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    assert swap.status == SwapRequest.Status.OFFERED
    swaps.swap_respond(actor=world.colleague.user, swap=swap, accept=True)
    swaps.swap_decide(actor=world.manager, swap=swap, approve=True)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPROVED
    assert Assignment.objects.get(live=True, date=given.date, shift_type=world.day).staff == world.colleague
    assert not Assignment.objects.filter(live=True, staff=world.nurse, date=given.date).exists()
    assert AuditEvent.objects.filter(action__startswith="swap.").count() >= 3
    assert Notification.objects.filter(recipient=world.nurse.user, text__contains="Swap approved").exists()
    assert Notification.objects.filter(recipient=world.colleague.user, text__contains="Swap approved").exists()


def test_a_trade_exchanges_both_shifts(world):
    _, given, theirs = week(world)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=given, counter_assignment=theirs)
    swaps.swap_respond(actor=world.colleague.user, swap=swap, accept=True)
    swaps.swap_decide(actor=world.manager, swap=swap, approve=True)
    live = {(a.staff_id, a.date) for a in Assignment.objects.filter(live=True)}
    assert live == {(world.colleague.pk, given.date), (world.nurse.pk, theirs.date)}


def test_nothing_is_offered_when_the_colleague_would_break_a_rule(world):
    roster, given, _ = week(world)
    # The colleague works the night before: a day shift after it breaks minimum rest.
    draft = roster_create(actor=world.admin, unit=world.icu, start_date=roster.start_date,
                                   end_date=roster.end_date)
    assignment_create(actor=world.admin, roster=draft, staff=world.colleague,
                               shift_type=world.night, day=given.date - dt.timedelta(days=1))
    roster_publish(actor=world.admin, roster=draft)
    given = Assignment.objects.get(live=True, staff=world.nurse, date=given.date)
    with pytest.raises(RuleViolation) as refused:
        swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    assert "min_rest" in {b.rule for b in refused.value.breaches}
    assert "Cal Colleague" in str(refused.value)
    assert not SwapRequest.objects.exists()


def test_a_unit_with_automatic_approval_swaps_at_once(world):
    world.icu.auto_approve_swaps = True
    world.icu.save()
    _, given, _ = week(world)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    swaps.swap_respond(actor=world.colleague.user, swap=swap, accept=True)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPROVED
    assert Assignment.objects.get(live=True, date=given.date).staff == world.colleague


def test_nobody_acts_on_someone_elses_swap(world):
    _, given, _ = week(world)
    with pytest.raises(NotAllowed):
        swaps.swap_offer(actor=world.colleague.user, assignment=given, recipient=world.colleague)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    third = f.StaffFactory(home_unit=world.icu)
    with pytest.raises(NotAllowed, match="made to someone else"):
        swaps.swap_respond(actor=third.user, swap=swap, accept=True)
    with pytest.raises(NotAllowed):
        swaps.swap_cancel(actor=world.colleague.user, swap=swap)
    swaps.swap_respond(actor=world.colleague.user, swap=swap, accept=True)
    with pytest.raises(NotAllowed):
        swaps.swap_decide(actor=world.nurse.user, swap=swap, approve=True)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ACCEPTED


def test_the_pages_offer_accept_and_approve(client, world):
    _, given, _ = week(world)
    client.force_login(world.nurse.user)
    response = client.post(reverse("swap-offer"), {"assignment": given.pk, "mode": "colleague",
                                                   "recipient": world.colleague.pk}, follow=True)
    assert "Offered." in response.content.decode()
    swap = SwapRequest.objects.get()
    client.force_login(world.colleague.user)
    assert 'data-testid="swap-accept"' in client.get(reverse("swaps")).content.decode()
    client.post(reverse("swap-respond", args=[swap.pk]), {"answer": "accept"})
    client.force_login(world.manager)
    assert 'data-testid="swap-approve"' in client.get(reverse("swaps")).content.decode()
    client.post(reverse("swap-decide", args=[swap.pk]), {"decision": "approve"})
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPROVED


@pytest.mark.parametrize("posted", [
    {"assignment": "x"},
    {"assignment": "99999999999999999999"},
    {"assignment": "given", "mode": "colleague", "recipient": "½"},
    {"assignment": "given", "mode": "trade", "counter_assignment": "-1"},
])
def test_the_offer_page_answers_ids_that_name_nothing_with_a_message(client, world, posted):
    _, given, _ = week(world)
    client.force_login(world.nurse.user)
    data = {k: given.pk if v == "given" else v for k, v in posted.items()}
    response = client.post(reverse("swap-offer"), data, follow=True)
    assert response.status_code == 200
    assert "Choose" in response.content.decode()
    assert not SwapRequest.objects.exists()


def test_a_garbled_answer_to_an_offer_or_a_decision_changes_nothing(client, world):
    _, given, _ = week(world)
    client.force_login(world.nurse.user)
    client.post(reverse("swap-offer"), {"assignment": given.pk, "mode": "colleague", "recipient": world.colleague.pk})
    swap = SwapRequest.objects.get()
    client.force_login(world.colleague.user)
    response = client.post(reverse("swap-respond", args=[swap.pk]), {"answer": "maybe"}, follow=True)
    assert "Choose Accept or Decline." in response.content.decode()
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.OFFERED
    client.post(reverse("swap-respond", args=[swap.pk]), {"answer": "accept"})
    client.force_login(world.manager)
    response = client.post(reverse("swap-decide", args=[swap.pk]), {}, follow=True)
    assert "Choose Approve or Decline." in response.content.decode()
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ACCEPTED


def test_the_api_offers_and_refuses_with_the_rule_named(world):
    _, given, _ = week(world)
    nurse = APIClient()
    nurse.force_authenticate(world.nurse.user)
    bad = nurse.post("/api/swaps/", {"assignment": given.pk, "recipient": world.outsider.pk})
    assert bad.status_code in (400, 409) and "recipient" in bad.json()
    for missing in ({"recipient": world.colleague.pk}, {"assignment": None, "recipient": world.colleague.pk}):
        refused = nurse.post("/api/swaps/", missing, format="json")
        assert refused.status_code == 400 and "assignment" in refused.json()
    ok = nurse.post("/api/swaps/", {"assignment": given.pk, "recipient": world.colleague.pk})
    assert ok.status_code == 201, ok.json()
    swap_id = ok.json()["id"]
    outsider = APIClient()
    outsider.force_authenticate(world.outsider.user)
    assert outsider.get(f"/api/swaps/{swap_id}/").status_code == 404
    colleague = APIClient()
    colleague.force_authenticate(world.colleague.user)
    assert colleague.post(f"/api/swaps/{swap_id}/accept/").json()["status"] == "accepted"
    manager = APIClient()
    manager.force_authenticate(world.manager)
    assert manager.post(f"/api/swaps/{swap_id}/approve/").json()["status"] == "approved"


def test_a_manager_chooses_automatic_approval_for_their_unit_only(client, world):
    client.force_login(world.manager)
    client.post(reverse("swap-auto-approve", args=[world.icu.pk]), {"auto_approve": "on"})
    world.icu.refresh_from_db()
    assert world.icu.auto_approve_swaps
    assert AuditEvent.objects.filter(action="update", object_id=str(world.icu.pk), actor=world.manager).exists()
    assert client.post(reverse("swap-auto-approve", args=[world.ward.pk]),
                       {"auto_approve": "on"}).status_code == 404
    client.force_login(world.nurse.user)
    assert client.post(reverse("swap-auto-approve", args=[world.icu.pk]), {}).status_code == 404
    world.icu.refresh_from_db()
    assert world.icu.auto_approve_swaps


# --- publishing a draft made before a swap -------------------------------------------------


def _swap_after_a_draft(world):
    """A draft copied from the version in force, then a swap approved on that version."""
    published, given, _ = week(world)
    draft = roster_create(actor=world.manager, unit=world.icu, start_date=published.start_date,
                                   end_date=published.end_date)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    swaps.swap_respond(actor=world.colleague.user, swap=swap, accept=True)
    swaps.swap_decide(actor=world.manager, swap=swap, approve=True)
    return published, draft, given


def test_a_draft_made_before_a_swap_is_not_published_over_it_unless_confirmed(world):
    from roster.errors import Stale
    from roster.models import Roster

    published, draft, given = _swap_after_a_draft(world)
    with pytest.raises(Stale) as refused:
        roster_publish(actor=world.manager, roster=draft)
    assert "has changed since this draft was made" in refused.value.message
    published.refresh_from_db()
    assert published.status == Roster.Status.PUBLISHED  # nothing changed
    assert Assignment.objects.get(live=True, date=given.date).staff == world.colleague
    # Confirmed, the draft goes in force as it is: the swap is undone, and the log says so.
    roster_publish(actor=world.manager, roster=draft, replace_changes=True)
    assert Assignment.objects.get(live=True, date=given.date).staff == world.nurse
    assert AuditEvent.objects.filter(action="roster.publish", rationale__contains="confirmed").exists()


def test_a_draft_made_before_another_version_was_published_is_refused(world):
    from roster.errors import Stale

    published, _, _ = week(world)
    period = {"unit": world.icu, "start_date": published.start_date, "end_date": published.end_date}
    older = roster_create(actor=world.manager, **period)
    newer = roster_create(actor=world.manager, **period)
    roster_publish(actor=world.manager, roster=newer)
    with pytest.raises(Stale) as refused:
        roster_publish(actor=world.manager, roster=older)
    assert f"Version {newer.version} was published after this draft was made" in refused.value.message
    # A draft made from the version in force now publishes without a question.
    fresh = roster_create(actor=world.manager, **period)
    roster_publish(actor=world.manager, roster=fresh)


def test_the_page_and_the_api_ask_before_publishing_over_a_swap(client, world):
    _, draft, given = _swap_after_a_draft(world)
    client.force_login(world.manager)
    # The draft's page says so before anyone presses Publish.
    shown = client.get(reverse("roster-detail", args=[draft.pk])).content.decode()
    assert 'data-testid="publish-stale"' in shown and "has changed since this draft was made" in shown
    assert reverse("roster-new-version", args=[draft.pk]) in shown
    page = client.post(reverse("roster-publish", args=[draft.pk]))
    assert page.status_code == 409
    assert 'data-testid="publish-stale"' in page.content.decode()
    api = APIClient()
    api.force_authenticate(world.manager)
    refused = api.post(f"/api/rosters/{draft.pk}/publish/", {}, format="json")
    assert refused.status_code == 409 and "replace_changes" in refused.json()
    assert Assignment.objects.get(live=True, date=given.date).staff == world.colleague
    confirmed = client.post(reverse("roster-publish", args=[draft.pk]), {"replace_changes": "yes"})
    assert confirmed.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert Assignment.objects.get(live=True, date=given.date).staff == world.nurse


def test_a_solvers_draft_counts_as_made_when_its_run_started(world):
    from django.utils import timezone

    from roster.models import SolverRun

    published, given, _ = week(world)
    run = SolverRun.objects.create(site=world.north, unit=world.icu, start_date=published.start_date,
                                   end_date=published.end_date, started_at=timezone.now(), requested_by=world.manager)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    swaps.swap_respond(actor=world.colleague.user, swap=swap, accept=True)
    swaps.swap_decide(actor=world.manager, swap=swap, approve=True)
    # The run writes its draft back after the swap, from the roster it read at its start:
    # the nurse still on the shift she gave away.
    draft = roster_create(actor=world.manager, unit=world.icu, start_date=published.start_date,
                                   end_date=published.end_date)
    Assignment.objects.filter(roster=draft, date=given.date).update(staff=world.nurse)
    assert stale_reason(draft) is None
    run.rosters.add(draft)
    assert "has changed since this draft was made" in (stale_reason(draft) or "")


def test_the_swaps_page_shows_offers_to_me_under_their_own_heading_with_the_note(client, world):
    _, given, _ = week(world)
    swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague,
                     note="Childcare fell through")
    client.force_login(world.colleague.user)
    html = client.get(reverse("swaps")).content.decode()
    assert "Offered to me" in html
    assert "“Childcare fell through”" in html


def test_a_shift_is_offered_only_to_colleagues_of_the_same_role(client, world):
    f.StaffFactory(home_unit=world.icu, role="MD", first_name="Dana", last_name="Doctor")
    week(world)
    client.force_login(world.nurse.user)
    colleagues = [str(c) for c in client.get(reverse("swaps")).context["colleagues"]]
    assert "Cal Colleague" in colleagues and "Dana Doctor" not in colleagues
