"""Approved leave takes the person off the roster: the manager sees what approving will
take off, approving takes it off the version in force and the drafts in one transaction,
offers the places it leaves short as open shifts, withdraws swaps on those shifts and
tells everyone concerned; a draft that still rosters someone on leave is not published."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from roster import swaps
from roster.editing import assignment_create, assignment_delete
from roster.errors import Conflict
from roster.models import (
    Assignment,
    AuditEvent,
    CoverageRequirement,
    Leave,
    Notification,
    OpenShift,
    Roster,
    SwapRequest,
)
from roster.requests import leave_cancel, leave_decide, leave_request
from roster.rosters import roster_create, roster_publish
from tests import factories as f
from tests.roster.test_marketplace import upcoming_monday


def in_force(world, *people_days):
    """A published week of the North ICU with (person, day offset, shift) assigned."""
    start = upcoming_monday()
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    for person, offset, shift in people_days:
        assignment_create(actor=world.admin, roster=roster, staff=person, shift_type=shift,
                                   day=start + dt.timedelta(days=offset))
    return roster_publish(actor=world.admin, roster=roster)


def request_leave(world, start, end, person=None):
    person = person or world.nurse
    return leave_request(actor=person.user, staff=person, kind="annual", start_date=start,
                                  end_date=end, reason="Family wedding")


def minimum(world, day, shift, count=1, unit=None):
    return CoverageRequirement.objects.create(unit=unit or world.icu, date=day, shift_type=shift, role="RN",
                                              minimum=count, preferred=count, maximum=count + 2)


def test_approving_leave_takes_the_shifts_off_the_roster_in_force_and_offers_the_short_place(world):
    roster = in_force(world, (world.nurse, 1, world.day), (world.nurse, 2, world.day),
                      (world.nurse, 5, world.day), (world.colleague, 1, world.day))
    tue, wed = roster.start_date + dt.timedelta(days=1), roster.start_date + dt.timedelta(days=2)
    minimum(world, tue, world.day, count=1)  # the colleague still covers Tuesday
    minimum(world, wed, world.day, count=1)  # the nurse alone covered Wednesday
    leave = request_leave(world, tue, wed)

    leave, released = leave_decide(actor=world.manager, leave=leave, approve=True)

    assert leave.status == Leave.Status.APPROVED
    left = Assignment.objects.filter(roster=roster, staff=world.nurse)
    assert [a.date for a in left] == [roster.start_date + dt.timedelta(days=5)]  # outside the leave: kept
    assert Assignment.objects.filter(roster=roster, staff=world.colleague, date=tue).exists()
    assert [a.date for a in released.in_force] == [tue, wed]
    # Only Wednesday fell short: one open shift, for what its minimum asks.
    assert [(s.date, s.shift_type, s.role, s.status) for s in OpenShift.objects.all()] == [
        (wed, world.day, "RN", OpenShift.Status.OPEN)]
    roster.refresh_from_db()
    assert roster.live_changed_at is not None  # a draft made earlier is flagged on publish
    deleted = AuditEvent.objects.filter(action="assignment.delete", rationale=f"approved leave {leave.pk}")
    assert deleted.count() == 2
    told = Notification.objects.exclude(text__contains="is published").get(recipient=world.nurse.user)
    assert "was approved" in told.text and "Taken off your roster" in told.text and f"{wed:%a %d %b} D" in told.text


def test_the_queue_shows_what_approving_would_take_off(client, world):
    roster = in_force(world, (world.nurse, 2, world.night))
    wed = roster.start_date + dt.timedelta(days=2)
    draft = roster_create(actor=world.manager, unit=world.icu, start_date=roster.start_date,
                                   end_date=roster.end_date)
    leave = request_leave(world, wed, wed)
    client.force_login(world.manager)
    page = client.get(reverse("request-queue")).content.decode()
    assert 'data-testid="leave-clashes"' in page
    assert f"{wed:%a} {wed.day} {wed:%b} N (North ICU)" in page  # in force
    assert f"{wed:%a} {wed.day} {wed:%b} N (North ICU, draft)" in page  # the draft copied it

    response = client.post(reverse("request-decide", args=["leave", leave.pk]), {"decision": "approve"},
                           follow=True)
    text = response.content.decode()
    assert "Approved: Nia Nurse. 1 shift taken off the roster in force, 1 cleared from draft." in text
    assert not Assignment.objects.filter(staff=world.nurse).exists()
    assert not Assignment.objects.filter(roster=draft).exists()


def test_declining_leave_takes_nothing_off(world):
    roster = in_force(world, (world.nurse, 2, world.day))
    day = roster.start_date + dt.timedelta(days=2)
    leave = request_leave(world, day, day)
    _, released = leave_decide(actor=world.manager, leave=leave, approve=False, note="The ward is short that week")
    assert released.summary() == ""
    assert Assignment.objects.filter(staff=world.nurse, date=day, live=True).exists()
    assert "was declined" in Notification.objects.exclude(text__contains="is published").get(
        recipient=world.nurse.user).text


def test_a_float_nurses_shift_in_another_unit_comes_off_and_that_units_managers_are_told(world):
    world.nurse.float_pool = True
    world.nurse.save()
    ward_manager = f.UserFactory(username="wardmanager")
    f.grant(ward_manager, "unit_manager", units=[world.ward])
    start = upcoming_monday()
    ward = f.RosterFactory(unit=world.ward, start_date=start, end_date=start + dt.timedelta(days=6))
    day = start + dt.timedelta(days=3)
    assignment_create(actor=world.admin, roster=ward, staff=world.nurse, shift_type=world.day, day=day)
    roster_publish(actor=world.admin, roster=ward)
    leave = request_leave(world, day, day)

    leave_decide(actor=world.manager, leave=leave, approve=True)  # the ICU manager decides

    assert not Assignment.objects.filter(staff=world.nurse).exists()
    told = Notification.objects.get(recipient=ward_manager)
    assert "Nia Nurse's leave was approved" in told.text and "North Ward 5" in told.text
    assert told.link == reverse("roster-detail", args=[ward.pk])


def test_open_swaps_on_those_shifts_are_withdrawn_and_the_colleague_told(world):
    roster = in_force(world, (world.nurse, 2, world.day), (world.colleague, 4, world.day))
    given = Assignment.objects.get(roster=roster, staff=world.nurse)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    swaps.swap_respond(actor=world.colleague.user, swap=swap, accept=True)
    leave = request_leave(world, given.date, given.date)

    leave_decide(actor=world.manager, leave=leave, approve=True)

    swap.refresh_from_db()
    # The request stays on record, withdrawn, with what it was for.
    assert swap.status == SwapRequest.Status.CANCELLED and swap.assignment is None
    assert swap.date == given.date and "on approved leave" in swap.decision_note
    assert Notification.objects.filter(recipient=world.colleague.user, text__contains="was withdrawn").exists()
    assert not swap.is_open


def test_a_manager_clearing_a_cell_withdraws_its_open_swap_instead_of_losing_it(world):
    roster = in_force(world, (world.nurse, 2, world.day))
    given = Assignment.objects.get(roster=roster, staff=world.nurse)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    assignment_delete(actor=world.manager, assignment=given)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.CANCELLED and "taken off the roster" in swap.decision_note
    assert Notification.objects.filter(recipient=world.colleague.user, text__contains="was withdrawn").exists()


def test_a_draft_rostering_someone_on_approved_leave_is_not_published(client, world):
    start = upcoming_monday()
    day = start + dt.timedelta(days=1)
    # A draft made before the leave was approved (a solver run that started earlier, say):
    draft = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    assignment_create(actor=world.admin, roster=draft, staff=world.nurse, shift_type=world.day, day=day)
    Leave.objects.create(staff=world.nurse, start_date=day, end_date=day, status=Leave.Status.APPROVED)

    with pytest.raises(Conflict, match="on approved leave") as refused:
        roster_publish(actor=world.manager, roster=draft)
    assert refused.value.field == "assignments" and "Nia Nurse" in str(refused.value)
    draft.refresh_from_db()
    assert draft.status == Roster.Status.DRAFT

    client.force_login(world.manager)
    page = client.get(reverse("roster-detail", args=[draft.pk])).content.decode()
    assert 'data-testid="on-leave"' in page and "is-clash" in page
    response = client.post(reverse("roster-publish", args=[draft.pk]), follow=True)
    assert "Take those shifts off before publishing." in response.content.decode()
    assert Roster.objects.get(pk=draft.pk).status == Roster.Status.DRAFT

    assignment_delete(actor=world.manager, assignment=Assignment.objects.get(roster=draft))
    assert roster_publish(actor=world.manager, roster=draft).status == Roster.Status.PUBLISHED


def test_the_api_approval_takes_the_shift_off_too(world):
    roster = in_force(world, (world.nurse, 3, world.day))
    day = roster.start_date + dt.timedelta(days=3)
    leave = request_leave(world, day, day)
    api = APIClient()
    api.force_authenticate(world.manager)
    response = api.post(f"/api/leave/{leave.pk}/approve/", {"note": "Enjoy"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert not Assignment.objects.filter(staff=world.nurse).exists()
    assert Notification.objects.filter(recipient=world.nurse.user, text__endswith="Enjoy").exists()


def test_past_days_come_off_but_are_not_offered(world):
    today = timezone.localdate()
    start = today - dt.timedelta(days=today.weekday() + 7)  # last week's Monday
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    day = start + dt.timedelta(days=2)
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.day, day=day)
    roster_publish(actor=world.admin, roster=roster)
    minimum(world, day, world.day)
    OpenShift.objects.all().delete()
    leave = Leave.objects.create(staff=world.nurse, kind="sick", start_date=day, end_date=day)  # recorded afterwards
    _, released = leave_decide(actor=world.manager, leave=leave, approve=True)
    assert len(released.in_force) == 1 and released.open_shifts == []
    assert not OpenShift.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_claim_racing_the_approval_never_leaves_the_nurse_rostered_on_leave(world, monkeypatch):
    """Approval and claim both take the person's row lock: whichever comes second sees
    the other's result (the claim is refused on leave, or its shift is taken off)."""
    import time

    from django.db import connection

    from roster import marketplace
    from tests.roster.test_invariants import _race

    assert connection.vendor == "postgresql"
    checks = marketplace.why_not

    def slow_checks(*args, **kwargs):
        found = checks(*args, **kwargs)
        time.sleep(0.3)  # the claim has read the leave as requested and not yet written
        return found

    monkeypatch.setattr(marketplace, "why_not", slow_checks)
    roster = in_force(world)
    outcomes = []
    for offset in range(1, 6):
        day = roster.start_date + dt.timedelta(days=offset)
        shift = marketplace.open_shift_post(actor=world.manager, roster=roster, day=day, shift_type=world.day)
        leave = request_leave(world, day, day)
        results = _race(2, lambda i, shift=shift, leave=leave: (
            marketplace.open_shift_claim(actor=world.nurse.user, open_shift=shift) if i == 0
            else (time.sleep(0.1), leave_decide(actor=world.manager, leave=leave, approve=True))[1]))
        assert not isinstance(results[1], Exception), results[1]
        assert not Assignment.objects.filter(staff=world.nurse, date=day, live=True).exists(), results
        outcomes.append(type(results[0]).__name__)
    assert set(outcomes) <= {"Assignment", "RuleViolation"}


def test_cancelling_approved_leave_tells_the_managers_the_person_is_available_again(world):
    roster = in_force(world, (world.nurse, 2, world.day))
    day = roster.start_date + dt.timedelta(days=2)
    pending = request_leave(world, day + dt.timedelta(days=30), day + dt.timedelta(days=30))
    leave_cancel(actor=world.nurse.user, leave=pending)  # never approved: nobody to tell
    assert not Notification.objects.filter(recipient=world.manager).exists()

    leave, _ = leave_decide(actor=world.manager, leave=request_leave(world, day, day), approve=True)
    leave_cancel(actor=world.nurse.user, leave=leave)
    told = Notification.objects.get(recipient=world.manager)
    assert "Nia Nurse cancelled approved leave" in told.text and "not put back" in told.text
    assert not Assignment.objects.filter(staff=world.nurse).exists()


def test_marking_someone_inactive_takes_them_off_from_today_and_keeps_the_past(world):
    today = timezone.localdate()
    start = today - dt.timedelta(days=3)
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=13))
    for offset in (1, 5, 8):  # one past, two to come
        assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.day,
                                   day=start + dt.timedelta(days=offset))
    roster_publish(actor=world.admin, roster=roster)
    draft = roster_create(actor=world.manager, unit=world.icu, start_date=start,
                                   end_date=roster.end_date)
    minimum(world, start + dt.timedelta(days=5), world.day)
    # A colleague had offered the nurse one of their shifts.
    theirs = assignment_create(actor=world.admin, roster=Roster.objects.get(pk=roster.pk),
                                        staff=world.colleague,
                                        shift_type=world.night, day=start + dt.timedelta(days=10))
    offer = swaps.swap_offer(actor=world.colleague.user, assignment=theirs, recipient=world.nurse)

    api = APIClient()
    api.force_authenticate(world.coordinator)
    response = api.patch(f"/api/staff/{world.nurse.pk}/", {"active": False}, format="json")
    assert response.status_code == 200, response.json()
    offer.refresh_from_db()
    assert offer.status == SwapRequest.Status.CANCELLED and "no longer on the staff" in offer.decision_note

    kept = Assignment.objects.filter(staff=world.nurse)
    assert sorted({(a.roster_id, a.date) for a in kept}) == [
        (roster.pk, start + dt.timedelta(days=1)), (draft.pk, start + dt.timedelta(days=1))]
    assert [s.date for s in OpenShift.objects.filter(status=OpenShift.Status.OPEN)] == [start + dt.timedelta(days=5)]
    told = Notification.objects.get(recipient=world.manager)
    assert "Nia Nurse's record was closed" in told.text


def test_the_admin_closing_a_record_takes_the_shifts_off_too(client, world):
    roster = in_force(world, (world.nurse, 2, world.day))
    client.force_login(world.admin)
    url = reverse("admin:roster_staff_change", args=[world.nurse.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"active": "", "skills": [], "home_unit": world.icu.pk, "user": world.nurse.user.pk,
                 "certifications-TOTAL_FORMS": "0", "certifications-INITIAL_FORMS": "0"})
    data.pop("contract", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.nurse.refresh_from_db()
    assert not world.nurse.active
    assert not Assignment.objects.filter(roster=roster, staff=world.nurse).exists()


def test_leave_is_decided_in_the_admin_only_through_its_actions(client, world):
    leave = request_leave(world, upcoming_monday(), upcoming_monday())
    client.force_login(world.admin)
    page = client.get(reverse("admin:roster_leave_change", args=[leave.pk]))
    assert 'name="status"' not in page.content.decode()


def test_a_transfer_that_would_strand_shifts_is_refused_by_name(world):
    roster = in_force(world, (world.nurse, 2, world.day))
    api = APIClient()
    api.force_authenticate(world.coordinator)
    response = api.patch(f"/api/staff/{world.nurse.pk}/", {"home_unit": world.ward.pk}, format="json")
    assert response.status_code == 400
    assert "still has 1 shift from today on in North ICU" in response.json()["home_unit"][0]
    world.nurse.refresh_from_db()
    assert world.nurse.home_unit == world.icu
    # Into the float pool of the same site the shift stays workable: allowed.
    ok = api.patch(f"/api/staff/{world.nurse.pk}/", {"home_unit": world.ward.pk, "float_pool": True}, format="json")
    assert ok.status_code == 200, ok.json()
    # Leaving the float pool again would strand it.
    again = api.patch(f"/api/staff/{world.nurse.pk}/", {"float_pool": False}, format="json")
    assert again.status_code == 400 and "home_unit" in again.json()
    assignment_delete(actor=world.admin, assignment=Assignment.objects.get(roster=roster))
    assert api.patch(f"/api/staff/{world.nurse.pk}/", {"float_pool": False}, format="json").status_code == 200


def test_the_times_of_a_shift_type_and_a_sites_clock_cannot_change_under_shifts_to_come(world):
    in_force(world, (world.nurse, 2, world.night))
    api = APIClient()
    api.force_authenticate(world.admin)
    moved = api.patch(f"/api/shift-types/{world.night.pk}/", {"start_time": "20:00"}, format="json")
    assert moved.status_code == 400
    assert "N is on 1 shift rostered from today on" in moved.json()["start_time"][0]
    longer = api.patch(f"/api/shift-types/{world.night.pk}/", {"duration_minutes": 600}, format="json")
    assert longer.status_code == 400 and "duration_minutes" in longer.json()
    # A new name or colour changes nothing that was checked: allowed.
    assert api.patch(f"/api/shift-types/{world.night.pk}/", {"name": "Long night"},
                     format="json").status_code == 200
    # The day shift has no shifts to come: its times may change.
    assert api.patch(f"/api/shift-types/{world.day.pk}/", {"start_time": "07:30"},
                     format="json").status_code == 200
    clock = api.patch(f"/api/sites/{world.north.pk}/", {"timezone": "America/New_York"}, format="json")
    assert clock.status_code == 400 and "rostered in Europe/London time" in clock.json()["timezone"][0]
    assert api.patch(f"/api/sites/{world.south.pk}/", {"timezone": "America/New_York"},
                     format="json").status_code == 200
    away = api.patch(f"/api/units/{world.icu.pk}/", {"site": world.south.pk}, format="json")
    assert away.status_code == 400 and "North ICU has 1 shift rostered from today on" in away.json()["site"][0]
    assert api.patch(f"/api/units/{world.ward.pk}/", {"site": world.south.pk}, format="json").status_code == 200


def test_a_manager_records_a_call_out_on_the_staff_page_and_the_shift_is_offered(client, world):
    today = timezone.localdate()
    roster = f.RosterFactory(unit=world.icu, start_date=today, end_date=today + dt.timedelta(days=6))
    assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=world.night, day=today)
    roster = roster_publish(actor=world.admin, roster=roster)
    minimum(world, today, world.night)
    client.force_login(world.manager)
    page = client.get(reverse("staff-detail", args=[world.nurse.pk])).content.decode()
    assert 'data-testid="record-leave"' in page and 'data-testid="upcoming-shifts"' in page
    # The form starts at today, in the only format a date picker shows.
    assert f'name="start_date" value="{today.isoformat()}"' in page

    response = client.post(reverse("staff-leave", args=[world.nurse.pk]), {
        "kind": "sick", "start_date": today.isoformat(), "end_date": today.isoformat(), "reason": "Phoned in"},
        follow=True)
    assert ("Recorded: Nia Nurse's sick leave. 1 shift taken off the roster in force, "
            "1 posted as open shift where cover fell short.") in html.unescape(response.content.decode())
    leave = Leave.objects.get(staff=world.nurse)
    assert leave.status == Leave.Status.APPROVED and leave.decided_by == world.manager
    assert not Assignment.objects.filter(staff=world.nurse).exists()
    assert OpenShift.objects.get(status=OpenShift.Status.OPEN).date == today
    # Again for the same day: refused by name, nothing changes.
    again = client.post(reverse("staff-leave", args=[world.nurse.pk]), {
        "kind": "sick", "start_date": today.isoformat(), "end_date": today.isoformat()})
    assert again.status_code == 400 and "already have leave" in again.content.decode()
    assert Leave.objects.filter(staff=world.nurse).count() == 1


def test_only_the_persons_managers_record_their_leave(client, world):
    client.force_login(world.colleague.user)
    assert 'data-testid="record-leave"' not in client.get(
        reverse("staff-detail", args=[world.nurse.pk])).content.decode()
    day = upcoming_monday().isoformat()
    response = client.post(reverse("staff-leave", args=[world.nurse.pk]),
                           {"kind": "sick", "start_date": day, "end_date": day})
    assert response.status_code == 403
    assert not Leave.objects.exists()


def test_the_swaps_page_still_shows_a_request_whose_shift_came_off(client, world):
    roster = in_force(world, (world.nurse, 2, world.day))
    given = Assignment.objects.get(roster=roster, staff=world.nurse)
    swaps.swap_offer(actor=world.nurse.user, assignment=given, recipient=world.colleague)
    leave_decide(actor=world.manager, leave=request_leave(world, given.date, given.date), approve=True)
    for who in (world.nurse.user, world.colleague.user):
        client.force_login(who)
        page = client.get(reverse("swaps"))
        assert page.status_code == 200
        assert 'data-status="cancelled"' in page.content.decode()
    api = APIClient()
    api.force_authenticate(world.nurse.user)
    [row] = api.get("/api/swaps/").json()["results"]
    assert row["status"] == "cancelled" and row["assignment"] is None and row["date"] == given.date.isoformat()
