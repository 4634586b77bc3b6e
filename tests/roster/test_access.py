"""Visibility is decided once (roster/access.py) and pages, API and admin agree on it."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from roster import access
from roster.models import AuditEvent, Roster, Unit
from tests import factories as f


def _rosters(world):
    published = Roster.objects.create(unit=world.ward, start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 28),
                                      status=Roster.Status.PUBLISHED)
    draft = Roster.objects.create(unit=world.ward, start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 28),
                                  version=2)
    return published, draft


def _manager_working_on_the_ward(world):
    """The ICU's manager, whose own home unit is the ward next door (not one they manage)."""
    f.StaffFactory(user=world.manager, home_unit=world.ward, first_name="Mo", last_name="Manager")
    world.manager.refresh_from_db()
    return world.manager


def test_a_manager_sees_the_published_roster_of_their_home_unit_on_the_page_and_through_the_api(client, world):
    published, _ = _rosters(world)
    manager = _manager_working_on_the_ward(world)
    client.force_login(manager)
    assert client.get(reverse("roster-detail", args=[published.pk])).status_code == 200
    api = world.client_for(manager)
    assert api.get(f"/api/rosters/{published.pk}/").status_code == 200
    assert published.pk in [r["id"] for r in api.get("/api/rosters/").json()["results"]]


def test_a_manager_does_not_see_drafts_of_a_unit_they_only_work_in(client, world):
    _, draft = _rosters(world)
    manager = _manager_working_on_the_ward(world)
    client.force_login(manager)
    assert client.get(reverse("roster-detail", args=[draft.pk])).status_code == 404
    assert world.client_for(manager).get(f"/api/rosters/{draft.pk}/").status_code == 404


def test_a_manager_who_does_not_work_in_a_unit_sees_none_of_its_rosters(client, world):
    published, _ = _rosters(world)
    client.force_login(world.manager)  # works nowhere: no staff record
    assert client.get(reverse("roster-detail", args=[published.pk])).status_code == 404
    assert world.client_for(world.manager).get(f"/api/rosters/{published.pk}/").status_code == 404


def test_the_page_the_api_and_access_list_the_same_rosters_for_every_user(world):
    _rosters(world)
    Roster.objects.create(unit=world.icu, start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 28))
    _manager_working_on_the_ward(world)
    for user in (world.admin, world.regional, world.coordinator, world.manager, world.nurse.user,
                 world.outsider.user):
        expected = set(access.visible_rosters(user).values_list("pk", flat=True))
        listed = {r["id"] for r in world.client_for(user).get("/api/rosters/?page_size=100").json()["results"]}
        assert listed == expected, user


def test_the_admin_lists_only_the_units_a_user_manages(world):
    request = RequestFactory().get("/admin/roster/unit/")
    request.user = world.manager
    units = admin.site._registry[Unit].get_queryset(request)
    assert list(units) == [world.icu]
    request.user = world.admin
    assert set(admin.site._registry[Unit].get_queryset(request)) == set(Unit.objects.all())


def test_two_admin_saves_at_once_each_audit_their_own_row(world):
    """One ModelAdmin serves every request: state kept on it would mix two saves up."""
    unit_admin = admin.site._registry[Unit]
    request = RequestFactory().post("/")
    request.user = world.admin
    form_class = unit_admin.get_form(request, world.icu, change=True)
    forms = []
    for unit, beds in ((world.icu, 13), (world.ward, 29)):
        data = {"site": unit.site_id, "name": unit.name, "code": unit.code, "kind": unit.kind, "beds": beds,
                "acuity_mix": "{}"}
        form = form_class(data, instance=unit)
        assert form.is_valid(), form.errors
        obj = form.save(commit=False)
        unit_admin.save_model(request, obj, form, change=True)
        forms.append(form)
    # The first request finishes after the second one started.
    for form in forms:
        unit_admin.save_related(request, form, [], change=True)
    icu_event = AuditEvent.objects.get(action="admin.update", object_id=str(world.icu.pk))
    assert (icu_event.before["beds"], icu_event.after["beds"]) == (12, 13)
    ward_event = AuditEvent.objects.get(action="admin.update", object_id=str(world.ward.pk))
    assert (ward_event.before["beds"], ward_event.after["beds"]) == (28, 29)


def test_the_api_and_the_run_page_agree_on_which_solver_runs_a_manager_sees(client, world):
    from roster.models import SolverRun

    site_run = SolverRun.objects.create(site=world.north, unit=None, start_date=dt.date(2027, 3, 1),
                                        end_date=dt.date(2027, 3, 28), requested_by=world.coordinator)
    other_site = SolverRun.objects.create(site=world.south, unit=None, start_date=dt.date(2027, 3, 1),
                                          end_date=dt.date(2027, 3, 28), requested_by=world.regional)
    api = world.client_for(world.manager)
    listed = {r["id"] for r in api.get("/api/solver-runs/").json()["results"]}
    assert listed == set(access.visible_runs(world.manager).values_list("pk", flat=True)) == {site_run.pk}
    assert api.get(f"/api/solver-runs/{other_site.pk}/").status_code == 404
    client.force_login(world.manager)
    assert client.get(reverse("roster-run", args=[site_run.pk])).status_code == 200


def test_the_audit_page_and_the_api_list_the_same_events(client, world):
    from roster.records import record_update

    record_update(actor=world.coordinator, instance=world.ward, data={"beds": 30})
    record_update(actor=world.admin, instance=world.ed, data={"beds": 21})
    for user in (world.manager, world.coordinator, world.regional, world.admin):
        client.force_login(user)
        page = {event.pk for event, _, _ in client.get(reverse("audit-list")).context["rows"]}
        api = {row["id"] for row in world.client_for(user).get("/api/audit/").json()["results"]}
        assert page == api, user
