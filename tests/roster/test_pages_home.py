"""The dashboard: who you are, your scope, expiring certifications for managers, your
own shifts and certifications for staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from roster.editing import assignment_create
from roster.requests import leave_request
from roster.rosters import roster_create, roster_publish
from tests import factories as f


def login(client, world, who):
    obj = getattr(world, who)
    client.force_login(getattr(obj, "user", obj))


@pytest.mark.parametrize(
    "who,role,units,staff",
    [
        ("admin", "Administrator", 3, 3),
        ("regional", "Regional coordinator", 3, 3),
        ("coordinator", "Site coordinator", 2, 2),
        ("manager", "Unit manager", 1, 2),
        ("nurse", "Staff", 1, 2),
        ("outsider", "Staff", 1, 1),
    ],
)
def test_the_dashboard_says_who_you_are_and_counts_your_scope(client, world, who, role, units, staff):
    login(client, world, who)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    board = response.context["board"]
    assert (board.unit_count, board.staff_count) == (units, staff)
    assert f'data-testid="dashboard-role">{role}</span>' in response.content.decode()


def test_a_coordinator_sees_their_site_and_its_units(client, world):
    login(client, world, "coordinator")
    board = client.get(reverse("home")).context["board"]
    assert board.sites == [world.north]
    assert board.units == [world.icu, world.ward]


@pytest.fixture
def expiring(world):
    today = timezone.localdate()
    return (
        f.CertificationFactory(staff=world.nurse, number="ICU-SOON", issued=today - dt.timedelta(days=700),
                               expires=today + dt.timedelta(days=12)),
        f.CertificationFactory(staff=world.outsider, number="ED-SOON", issued=today - dt.timedelta(days=700),
                               expires=today + dt.timedelta(days=3)),
        f.CertificationFactory(staff=world.colleague, number="ICU-GONE", issued=today - dt.timedelta(days=700),
                               expires=today - dt.timedelta(days=1)),
        f.CertificationFactory(staff=world.colleague, number="ICU-LATER", issued=today - dt.timedelta(days=700),
                               expires=today + dt.timedelta(days=90)),
    )


def test_a_manager_sees_what_expires_within_30_days_in_their_scope(client, world, expiring):
    login(client, world, "manager")
    response = client.get(reverse("home"))
    board = response.context["board"]
    assert [c.number for c in board.expiring] == ["ICU-SOON"]
    assert (board.expiring_count, board.expired_count) == (1, 1)
    html = response.content.decode()
    assert "Nia Nurse" in html and "Expires in 12 days" in html
    assert "Oona Outsider" not in html


def test_the_regional_coordinator_sees_expiry_across_the_network(client, world, expiring):
    login(client, world, "regional")
    board = client.get(reverse("home")).context["board"]
    assert [c.number for c in board.expiring] == ["ED-SOON", "ICU-SOON"]


def test_staff_get_no_expiry_panel_for_others(client, world, expiring):
    login(client, world, "colleague")
    response = client.get(reverse("home"))
    assert response.context["board"].expiring is None
    html = response.content.decode()
    assert "ICU-SOON" not in html  # the nurse's, not the colleague's
    # ...but their own certifications, numbers included.
    assert "ICU-GONE" in html and "ICU-LATER" in html


def test_staff_see_their_upcoming_published_shifts_in_the_sites_time(client, world):
    start = timezone.localdate() + dt.timedelta(days=1)
    roster = roster_create(actor=world.manager, unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.night, day=start)
    login(client, world, "nurse")
    assert client.get(reverse("home")).context["board"].shifts == []  # a draft is not yet shown
    roster_publish(actor=world.manager, roster=roster)
    response = client.get(reverse("home"))
    (shift,) = response.context["board"].shifts
    assert shift.shift_type == world.night
    html = response.content.decode()
    assert "19:00–07:00" in html and start.strftime("%-d %b") in html


def test_a_colleague_does_not_see_someone_elses_shifts(client, world):
    start = timezone.localdate() + dt.timedelta(days=1)
    roster = roster_create(actor=world.manager, unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.day, day=start)
    roster_publish(actor=world.manager, roster=roster)
    login(client, world, "colleague")
    assert client.get(reverse("home")).context["board"].shifts == []


def test_the_dashboard_costs_a_fixed_number_of_queries(client, world, expiring, django_assert_max_num_queries):
    for _ in range(20):
        f.CertificationFactory(
            staff=f.StaffFactory(home_unit=world.icu), expires=timezone.localdate() + dt.timedelta(days=5)
        )
    login(client, world, "coordinator")
    with django_assert_max_num_queries(20):  # a count per kind of waiting item, never per row
        assert client.get(reverse("home")).status_code == 200
    login(client, world, "nurse")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("home")).status_code == 200


def test_a_manager_sees_what_waits_for_them_with_where_to_act(client, world):
    from roster import swaps
    from roster.models import Leave, Roster

    login(client, world, "manager")
    page = client.get(reverse("home")).content.decode()
    assert "Nothing is waiting for you in your units." in page

    start = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    week = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    given = assignment_create(actor=world.admin, roster=week, staff=world.nurse, shift_type=world.day,
                                       day=start + dt.timedelta(days=1))
    week = roster_publish(actor=world.admin, roster=week)
    swap = swaps.swap_offer(actor=world.nurse.user, assignment=Roster.objects.get(pk=week.pk).assignments.get(),
                            recipient=world.colleague)
    swaps.swap_respond(actor=world.colleague.user, swap=swap, accept=True)
    for offset in (2, 3):
        leave_request(actor=world.colleague.user, staff=world.colleague, kind="annual",
                               start_date=start + dt.timedelta(days=offset), end_date=start + dt.timedelta(days=offset))
    from roster import marketplace

    marketplace.open_shift_post(actor=world.manager, roster=week, day=start + dt.timedelta(days=4),
                                shift_type=world.night)
    draft = roster_create(actor=world.manager, unit=world.icu, start_date=start, end_date=week.end_date)
    Leave.objects.create(staff=world.nurse, start_date=given.date, end_date=given.date,
                         status=Leave.Status.APPROVED)  # approved elsewhere; the draft still has her on it

    items = client.get(reverse("home")).context["board"].attention
    assert items == [
        ("2 leave requests", reverse("request-queue")),
        ("1 swap to approve", reverse("swaps")),
        ("1 open shift not yet taken in the next 14 days", reverse("open-shift-list")),
        ("1 draft rosters someone on approved leave", reverse("roster-detail", args=[draft.pk])),
    ]
    # Staff have no such panel.
    login(client, world, "nurse")
    assert client.get(reverse("home")).context["board"].attention is None


def test_a_nurse_sees_what_waits_for_them(client, world):
    from roster import marketplace, swaps
    from roster.models import Roster

    login(client, world, "colleague")
    assert client.get(reverse("home")).context["board"].mine == []
    start = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    week = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6))
    assignment_create(actor=world.admin, roster=week, staff=world.nurse, shift_type=world.day,
                               day=start + dt.timedelta(days=1))
    week = roster_publish(actor=world.admin, roster=week)
    swaps.swap_offer(actor=world.nurse.user, assignment=Roster.objects.get(pk=week.pk).assignments.get(),
                     recipient=world.colleague)
    marketplace.open_shift_post(actor=world.manager, roster=week, day=start + dt.timedelta(days=3),
                                shift_type=world.night)
    leave_request(actor=world.colleague.user, staff=world.colleague, kind="annual",
                           start_date=start + dt.timedelta(days=5), end_date=start + dt.timedelta(days=5))
    page = client.get(reverse("home"))
    assert page.context["board"].mine == [
        ("1 swap offer waiting for your answer", reverse("swaps")),
        ("1 open shift you may take", reverse("open-shift-list")),
        ("1 leave request of yours not yet decided", reverse("my-requests")),
    ]
    assert 'data-testid="my-attention"' in page.content.decode()
    # The ED nurse of another site is offered none of it.
    login(client, world, "outsider")
    assert client.get(reverse("home")).context["board"].mine == []


def test_an_open_shift_she_may_not_take_is_not_counted_on_her_home_page(client, world):
    from roster import marketplace
    from roster.requests import leave_decide

    start = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    week = roster_publish(actor=world.admin, roster=f.RosterFactory(
        unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=6)))
    day = start + dt.timedelta(days=3)
    marketplace.open_shift_post(actor=world.manager, roster=week, day=day, shift_type=world.night)
    leave = leave_request(actor=world.colleague.user, staff=world.colleague, kind="annual", start_date=day,
                          end_date=day)
    leave_decide(actor=world.manager, leave=leave, approve=True)
    login(client, world, "colleague")
    assert client.get(reverse("home")).context["board"].mine == []
    # The open shifts page gives the same answer: not hers to take, and why.
    assert marketplace.eligible_open_shifts(world.colleague) == []
