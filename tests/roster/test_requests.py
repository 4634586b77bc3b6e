"""Leave and preferences: staff file them, their unit's manager decides in a queue, and
approved leave blocks every manual change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from roster.editing import assignment_create
from roster.errors import NotAllowed, RuleViolation
from roster.models import AuditEvent, Leave, Notification, Preference
from roster.requests import (
    leave_decide,
    leave_record,
    leave_request,
    preference_create,
    preference_decide,
)
from tests import factories as f

DAY = dt.date(2026, 3, 4)


def file_leave(client, **overrides):
    data = {"what": "leave", "kind": "annual", "start_date": DAY.isoformat(),
            "end_date": (DAY + dt.timedelta(days=2)).isoformat(), "reason": "Family wedding", **overrides}
    return client.post(reverse("my-requests"), data)


def test_a_nurse_files_leave_and_the_manager_approves_it(client, world):
    client.force_login(world.nurse.user)
    assert file_leave(client).status_code == 302
    leave = Leave.objects.get(staff=world.nurse)
    assert leave.status == Leave.Status.REQUESTED
    client.force_login(world.manager)
    queue = client.get(reverse("request-queue")).content.decode()
    assert "Nia Nurse" in queue and "Family wedding" in queue
    client.post(reverse("request-decide", args=["leave", leave.pk]), {"decision": "approve"})
    leave.refresh_from_db()
    assert leave.status == Leave.Status.APPROVED and leave.decided_by == world.manager
    assert AuditEvent.objects.filter(action="leave.approved").exists()
    assert Notification.objects.filter(recipient=world.nurse.user, text__contains="approved").exists()


def test_approved_leave_blocks_a_manual_assignment(world):
    Leave.objects.create(staff=world.nurse, start_date=DAY, end_date=DAY, status=Leave.Status.APPROVED)
    roster = f.RosterFactory(unit=world.icu)
    with pytest.raises(RuleViolation) as refused:
        assignment_create(actor=world.manager, roster=roster, staff=world.nurse,
                                   shift_type=world.day, day=DAY)
    assert "leave" in {b.rule for b in refused.value.breaches}


def test_bad_dates_are_named(client, world):
    client.force_login(world.nurse.user)
    response = file_leave(client, end_date=(DAY - dt.timedelta(days=1)).isoformat())
    assert response.status_code == 400
    assert "Leave must end on or after its first day." in response.content.decode()
    response = file_leave(client, start_date="someday")
    assert response.status_code == 400 and "Enter a valid date" in response.content.decode()
    response = file_leave(client, start_date="9999-12-29", end_date="9999-12-31")
    assert response.status_code == 400
    assert "Use a date between 2000-01-01 and 2099-12-31." in response.content.decode()
    assert not Leave.objects.exists()


@pytest.mark.parametrize("posted", [{}, {"decision": "yes"}, {"decision": "Approve"}])
def test_a_garbled_decision_decides_nothing(client, world, posted):
    client.force_login(world.nurse.user)
    file_leave(client)
    leave = Leave.objects.get(staff=world.nurse)
    client.force_login(world.manager)
    response = client.post(reverse("request-decide", args=["leave", leave.pk]), posted, follow=True)
    assert "Choose Approve or Decline." in response.content.decode()
    leave.refresh_from_db()
    assert leave.status == Leave.Status.REQUESTED
    assert not Notification.objects.filter(recipient=world.nurse.user).exists()


def test_a_preference_is_filed_and_declined(client, world):
    client.force_login(world.nurse.user)
    client.post(reverse("my-requests"), {"what": "preference", "date": "2099-01-05", "kind": "off",
                                         "shift_type": world.night.pk, "weight": 5})
    pref = Preference.objects.get(staff=world.nurse)
    client.force_login(world.manager)
    assert "Nia Nurse" in client.get(reverse("request-queue")).content.decode()
    client.post(reverse("request-decide", args=["preference", pref.pk]), {"decision": "decline"})
    pref.refresh_from_db()
    assert pref.status == Preference.Status.DECLINED


def test_a_nurse_never_decides_and_never_sees_a_colleagues_request(client, world):
    leave = leave_request(actor=world.colleague.user, staff=world.colleague, kind="sick",
                                   start_date=DAY, end_date=DAY, reason="private")
    client.force_login(world.nurse.user)
    assert client.get(reverse("request-queue")).status_code == 403
    assert client.post(reverse("request-decide", args=["leave", leave.pk]),
                       {"decision": "approve"}).status_code == 404
    assert client.post(reverse("leave-cancel", args=[leave.pk])).status_code == 404
    assert "private" not in client.get(reverse("my-requests")).content.decode()
    leave.refresh_from_db()
    assert leave.status == Leave.Status.REQUESTED


def test_a_manager_of_another_unit_cannot_decide(client, world):
    outsider_leave = leave_request(actor=world.outsider.user, staff=world.outsider, kind="annual",
                                            start_date=DAY, end_date=DAY)
    client.force_login(world.manager)
    assert "Oona" not in client.get(reverse("request-queue")).content.decode()
    assert client.post(reverse("request-decide", args=["leave", outsider_leave.pk]),
                       {"decision": "approve"}).status_code == 404


def test_the_queue_shows_a_page_of_each_list_at_a_time(client, world):
    Preference.objects.bulk_create(
        Preference(staff=world.nurse, date=dt.date(2099, 1, 1) + dt.timedelta(days=i), kind="off") for i in range(51)
    )
    client.force_login(world.manager)
    first = client.get(reverse("request-queue")).content.decode()
    assert first.count('data-testid="queue-preference"') == 50
    assert "51 waiting" in first and "Page 1 of 2" in first and "preference_page=2" in first
    second = client.get(reverse("request-queue"), {"preference_page": 2}).content.decode()
    assert second.count('data-testid="queue-preference"') == 1
    # In date order: the first page has the earliest days, the second the last one.
    assert "Thu 1 Jan" in first and "Thu 1 Jan" not in second and "Fri 20 Feb" in second


@pytest.fixture
def manager_on_staff(world):
    """The ICU's manager also works in the ICU, as many charge nurses do."""
    return f.StaffFactory(user=world.manager, home_unit=world.icu, first_name="Mo", last_name="Manager")


def test_a_manager_cannot_approve_their_own_leave(world, manager_on_staff):
    leave = leave_request(actor=world.manager, staff=manager_on_staff, kind="annual", start_date=DAY, end_date=DAY)
    with pytest.raises(NotAllowed, match="of your own"):
        leave_decide(actor=world.manager, leave=leave, approve=True)
    leave.refresh_from_db()
    assert leave.status == Leave.Status.REQUESTED
    # Another manager of the unit (here its site's coordinator) may.
    leave_decide(actor=world.coordinator, leave=leave, approve=True)
    leave.refresh_from_db()
    assert (leave.status, leave.decided_by) == (Leave.Status.APPROVED, world.coordinator)


def test_a_manager_cannot_record_leave_for_themself_approved_at_once(world, manager_on_staff):
    with pytest.raises(NotAllowed):
        leave_record(actor=world.manager, staff=manager_on_staff, kind="sick", start_date=DAY, end_date=DAY)
    assert not Leave.objects.filter(staff=manager_on_staff).exists()


def test_a_manager_cannot_accept_their_own_shift_preference(world, manager_on_staff):
    from django.utils import timezone

    pref = preference_create(actor=world.manager, staff=manager_on_staff,
                             day=timezone.localdate() + dt.timedelta(days=2), kind="off")
    with pytest.raises(NotAllowed):
        preference_decide(actor=world.manager, preference=pref, approve=True)
    pref.refresh_from_db()
    assert pref.status == Preference.Status.REQUESTED


def test_approving_ones_own_leave_through_the_api_is_a_403(world, manager_on_staff):
    leave = leave_request(actor=world.manager, staff=manager_on_staff, kind="annual", start_date=DAY, end_date=DAY)
    response = world.client_for(world.manager).post(f"/api/leave/{leave.pk}/approve/", {},
                                                    format="json")
    assert response.status_code == 403, response.content
    assert "of your own" in response.json()["leave"][0]


def test_declining_leave_without_a_reason_is_refused_and_with_one_the_person_is_told_it(client, world):
    leave = leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=DAY, end_date=DAY)
    client.force_login(world.manager)
    page = client.post(reverse("request-decide", args=["leave", leave.pk]), {"decision": "decline"},
                       follow=True).content.decode()
    assert "Say why the leave is declined" in page
    leave.refresh_from_db()
    assert leave.status == Leave.Status.REQUESTED
    client.post(reverse("request-decide", args=["leave", leave.pk]),
                {"decision": "decline", "note": "Two colleagues are already off that day."})
    leave.refresh_from_db()
    assert leave.status == Leave.Status.DECLINED
    told = Notification.objects.get(recipient=world.nurse.user, text__contains="declined")
    assert "Two colleagues are already off that day." in told.text


def test_the_queue_narrows_to_a_unit_and_dates(client, world):
    ward_nurse = f.StaffFactory(home_unit=world.ward, first_name="Wanda", last_name="Ward")
    leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=DAY, end_date=DAY)
    leave_request(actor=world.coordinator, staff=ward_nurse, kind="annual", start_date=DAY + dt.timedelta(days=30),
                  end_date=DAY + dt.timedelta(days=31))
    client.force_login(world.coordinator)
    everyone = client.get(reverse("request-queue")).content.decode()
    assert "Nia Nurse" in everyone and "Wanda Ward" in everyone
    ward = client.get(reverse("request-queue"), {"unit": world.ward.pk}).content.decode()
    assert "Wanda Ward" in ward and "Nia Nurse" not in ward
    early = client.get(reverse("request-queue"), {"date_to": (DAY + dt.timedelta(days=5)).isoformat()})
    assert "Nia Nurse" in early.content.decode() and "Wanda Ward" not in early.content.decode()
    bad = client.get(reverse("request-queue"), {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert bad.status_code == 400 and "on or after the first" in bad.content.decode()


def test_a_manager_decides_many_requests_at_once_and_one_that_cannot_be_is_named(client, world, manager_on_staff):
    first = leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=DAY, end_date=DAY)
    second = leave_request(actor=world.colleague.user, staff=world.colleague, kind="annual",
                           start_date=DAY + dt.timedelta(days=7), end_date=DAY + dt.timedelta(days=7))
    own = leave_request(actor=world.manager, staff=manager_on_staff, kind="annual",
                        start_date=DAY + dt.timedelta(days=14), end_date=DAY + dt.timedelta(days=14))
    client.force_login(world.manager)
    page = client.post(reverse("request-decide-many", args=["leave"]),
                       {"decision": "approve", "pick": [first.pk, second.pk, own.pk]}, follow=True).content.decode()
    assert "Approved: 2 requests." in page and "of your own" in page
    statuses = dict(Leave.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "approved", second.pk: "approved", own.pk: "requested"}


def test_each_leave_request_shows_the_annual_leave_left_that_year(client, world):
    world.nurse.contract = f.ContractFactory(name="Full time", annual_leave_days=28)
    world.nurse.save()
    taken = leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=dt.date(2026, 1, 5),
                          end_date=dt.date(2026, 1, 9))
    leave_decide(actor=world.coordinator, leave=taken, approve=True)
    leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=DAY,
                  end_date=DAY + dt.timedelta(days=2))
    client.force_login(world.manager)
    page = client.get(reverse("request-queue")).content.decode()
    assert "23 of 28 days of annual leave left in 2026 (this request: 3 days)" in page


def test_a_preference_for_a_past_day_or_a_second_one_for_the_same_shift_is_refused(world):
    from django.utils import timezone

    from roster.errors import Conflict, DomainError

    today = timezone.localdate()
    with pytest.raises(DomainError, match="still to come"):
        preference_create(actor=world.nurse.user, staff=world.nurse, day=today - dt.timedelta(days=1), kind="off")
    preference_create(actor=world.nurse.user, staff=world.nurse, day=today + dt.timedelta(days=3), kind="off")
    with pytest.raises(Conflict, match="already have a preference"):
        preference_create(actor=world.nurse.user, staff=world.nurse, day=today + dt.timedelta(days=3), kind="on")
    assert Preference.objects.filter(staff=world.nurse).count() == 1


def test_a_nurse_withdraws_a_preference_and_is_told_so(client, world):
    from django.utils import timezone

    pref = preference_create(actor=world.nurse.user, staff=world.nurse,
                             day=timezone.localdate() + dt.timedelta(days=3), kind="off")
    client.force_login(world.nurse.user)
    page = client.post(reverse("preference-withdraw", args=[pref.pk]), follow=True).content.decode()
    assert "is withdrawn" in page
    assert not Preference.objects.filter(pk=pref.pk).exists()
    assert AuditEvent.objects.filter(action="preference.withdraw", object_id=str(pref.pk)).exists()
    # Nobody withdraws someone else's.
    other = preference_create(actor=world.colleague.user, staff=world.colleague,
                              day=timezone.localdate() + dt.timedelta(days=3), kind="off")
    assert client.post(reverse("preference-withdraw", args=[other.pk])).status_code == 404


def test_cancelling_leave_says_so(client, world):
    leave = leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=DAY, end_date=DAY)
    client.force_login(world.nurse.user)
    page = client.post(reverse("leave-cancel", args=[leave.pk]), follow=True).content.decode()
    assert "is cancelled; your manager is told." in page
