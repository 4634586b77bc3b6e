"""The audit log page: managers and up, scoped to the units and sites they manage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from roster.models import Leave, ShiftType, Skill
from roster.records import record_create, record_update
from roster.requests import leave_request


def login(client, world, who):
    obj = getattr(world, who)
    client.force_login(getattr(obj, "user", obj))


def actions(response) -> set[str]:
    return {event.action for event, _, _ in response.context["rows"]}


@pytest.fixture
def events(world):
    """One change of each scope, made through the real services."""
    leave_request(  # North ICU
        actor=world.nurse.user, staff=world.nurse, kind=Leave.Kind.ANNUAL,
        start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 5), reason="Holiday",
    )
    record_update(actor=world.coordinator, instance=world.ward, data={"beds": 30})  # North Ward 5
    record_create(  # North General, site-wide
        actor=world.coordinator, model=ShiftType,
        data={"site": world.north, "code": "E", "name": "Early", "start_time": dt.time(6, 0), "duration_minutes": 480},
    )
    leave_request(  # South ED
        actor=world.outsider.user, staff=world.outsider, kind=Leave.Kind.STUDY,
        start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 2),
    )
    record_create(actor=world.admin, model=Skill, data={"code": "triage", "name": "Triage"})  # network


@pytest.mark.parametrize("who", ["nurse", "colleague", "outsider"])
def test_staff_may_not_open_the_audit_log(client, world, events, who):
    login(client, world, who)
    assert client.get(reverse("audit-list")).status_code == 403


@pytest.mark.parametrize(
    "who,expected",
    [
        ("manager", {"leave.request"}),
        ("coordinator", {"leave.request", "update", "create"}),
    ],
)
def test_managers_and_coordinators_see_their_own_scope(client, world, events, who, expected):
    login(client, world, who)
    response = client.get(reverse("audit-list"))
    assert response.status_code == 200
    assert actions(response) == expected


def test_a_unit_manager_sees_only_their_units_events(client, world, events):
    login(client, world, "manager")
    rows = client.get(reverse("audit-list")).context["rows"]
    assert [(e.unit, e.object_type) for e, _, _ in rows] == [(world.icu, "roster.Leave")]


def test_a_site_coordinator_sees_unit_and_site_events_of_their_site_only(client, world, events):
    login(client, world, "coordinator")
    rows = client.get(reverse("audit-list")).context["rows"]
    assert {e.site for e, _, _ in rows} == {world.north}
    assert {e.object_type for e, _, _ in rows} == {"roster.Leave", "roster.Unit", "roster.ShiftType"}


def test_a_regional_coordinator_sees_every_site_but_not_network_reference_data(client, world, events):
    login(client, world, "regional")
    rows = client.get(reverse("audit-list")).context["rows"]
    assert len(rows) == 4
    assert "roster.Skill" not in {e.object_type for e, _, _ in rows}


def test_the_administrator_sees_everything(client, world, events):
    login(client, world, "admin")
    rows = client.get(reverse("audit-list")).context["rows"]
    assert len(rows) == 5
    assert "roster.Skill" in {e.object_type for e, _, _ in rows}


def test_an_update_shows_what_changed(client, world, events):
    login(client, world, "coordinator")
    response = client.get(reverse("audit-list"), {"action": "update"})
    ((_event, changes, _sentence),) = response.context["rows"]
    assert changes == [("beds", 28, 30)]
    assert "<td class=\"mono\">beds</td><td>28</td><td>30</td>" in response.content.decode()


def test_filtering_by_unit_and_action(client, world, events):
    login(client, world, "coordinator")
    assert actions(client.get(reverse("audit-list"), {"unit": world.ward.pk})) == {"update"}
    assert actions(client.get(reverse("audit-list"), {"action": "leave"})) == {"leave.request"}


def test_a_unit_outside_ones_scope_is_refused(client, world, events):
    login(client, world, "manager")
    response = client.get(reverse("audit-list"), {"unit": world.ed.pk})
    assert response.status_code == 400
    assert "<strong>Unit:</strong>" in response.content.decode()


def test_an_htmx_request_gets_only_the_table(client, world, events):
    login(client, world, "admin")
    response = client.get(reverse("audit-list"), {"action": "create"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="audit-table"')
    assert "<html" not in html


def test_the_audit_log_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for i in range(30):
        record_create(actor=world.admin, model=Skill, data={"code": f"skill-{i}", "name": f"Skill {i}"})
        record_update(actor=world.manager, instance=world.icu, data={"beds": 10 + i})
    login(client, world, "admin")
    with django_assert_max_num_queries(9):
        response = client.get(reverse("audit-list"))
    assert len(response.context["rows"]) == 50


def test_each_event_reads_as_a_sentence_linking_to_what_it_concerns(client, world):
    from roster.editing import assignment_create
    from roster.models import Roster

    roster = Roster.objects.create(unit=world.icu, start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 28))
    assignment_create(actor=world.manager, roster=roster, staff=world.nurse, shift_type=world.night,
                      day=dt.date(2026, 6, 2))
    leave_request(actor=world.nurse.user, staff=world.nurse, kind=Leave.Kind.ANNUAL,
                  start_date=dt.date(2026, 6, 8), end_date=dt.date(2026, 6, 9))
    login(client, world, "manager")
    html = client.get(reverse("audit-list")).content.decode()
    assert f'<a href="{reverse("roster-detail", args=[roster.pk])}">Put Nia Nurse on N on Tue 02 Jun 2026 in North ICU</a>' in html
    assert "Asked for leave for Nia Nurse, Mon 08 Jun 2026 to Tue 09 Jun 2026" in html
    assert "roster.Assignment #" not in html  # no database talk
