"""The REST API: scoping, permissions both ways, validation naming the field, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from roster.editing import assignment_create
from roster.models import (
    Assignment,
    AuditEvent,
    CoverageRequirement,
    Leave,
    RatioRule,
    Roster,
    Staff,
    Unit,
)
from roster.requests import leave_request
from tests import factories as f

MON = dt.date(2026, 3, 2)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- visibility -------------------------------------------------------------------

@pytest.mark.parametrize(
    "who, sees",
    [
        ("admin", {"icu", "ward", "ed"}),
        ("regional", {"icu", "ward", "ed"}),
        ("coordinator", {"icu", "ward"}),
        ("manager", {"icu"}),
        ("nurse", {"icu"}),
        ("outsider", {"ed"}),
    ],
)
def test_each_role_lists_exactly_the_units_in_its_scope(world, who, sees):
    user = {"nurse": world.nurse.user, "outsider": world.outsider.user}.get(who) or getattr(world, who)
    found = ids(world.client_for(user).get("/api/units/"))
    assert found == {getattr(world, name).pk for name in sees}


def test_staff_see_colleagues_but_not_their_contact_details(world):
    rows = world.client_for(world.nurse.user).get("/api/staff/").json()["results"]
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {world.nurse.pk, world.colleague.pk}
    assert "email" not in by_id[world.colleague.pk] and "phone" not in by_id[world.colleague.pk]
    assert by_id[world.nurse.pk]["email"] == world.nurse.email


def test_a_manager_sees_contact_details_of_their_unit(world):
    row = world.client_for(world.manager).get(f"/api/staff/{world.colleague.pk}/").json()
    assert row["phone"] == world.colleague.phone


def test_a_staff_member_outside_scope_is_a_404(world):
    assert world.client_for(world.nurse.user).get(f"/api/staff/{world.outsider.pk}/").status_code == 404
    assert world.client_for(world.manager).get(f"/api/staff/{world.outsider.pk}/").status_code == 404
    assert world.client_for(world.regional).get(f"/api/staff/{world.outsider.pk}/").status_code == 200


def test_a_nurse_never_sees_a_colleagues_leave(world):
    mine = f.LeaveFactory(staff=world.nurse)
    theirs = f.LeaveFactory(staff=world.colleague, reason="Hospital appointment")
    assert ids(world.client_for(world.nurse.user).get("/api/leave/")) == {mine.pk}
    assert world.client_for(world.nurse.user).get(f"/api/leave/{theirs.pk}/").status_code == 404
    assert ids(world.client_for(world.manager).get("/api/leave/")) == {mine.pk, theirs.pk}


def test_staff_see_only_the_published_roster_of_their_unit(world):
    draft = f.RosterFactory(unit=world.icu)
    published = f.RosterFactory(unit=world.icu, start_date=MON - dt.timedelta(days=28), end_date=MON - dt.timedelta(days=1), status=Roster.Status.PUBLISHED)
    assert ids(world.client_for(world.nurse.user).get("/api/rosters/")) == {published.pk}
    assert ids(world.client_for(world.manager).get("/api/rosters/")) == {published.pk, draft.pk}
    assert ids(world.client_for(world.outsider.user).get("/api/rosters/")) == set()


def test_staff_cannot_read_the_audit_log_but_managers_read_their_units(world):
    leave_request(actor=world.nurse.user, staff=world.nurse, kind="annual", start_date=MON, end_date=MON)
    assert world.client_for(world.nurse.user).get("/api/audit/").status_code == 403
    assert len(ids(world.client_for(world.manager).get("/api/audit/"))) == 1
    other = f.UserFactory(username="wardmanager")
    f.grant(other, "unit_manager", units=[world.ward])
    assert len(ids(world.client_for(other).get("/api/audit/"))) == 0


def test_the_me_endpoint_says_who_you_are(world):
    data = world.client_for(world.manager).get("/api/me/").json()
    assert data["level"] == "unit_manager" and data["units"] == [world.icu.pk]


def test_anonymous_requests_are_refused(world):
    assert APIClient().get("/api/units/").status_code in (401, 403)


def test_token_authentication_works(world):
    token = Token.objects.create(user=world.manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/units/").status_code == 200


def test_a_token_can_be_obtained_with_a_password(world):
    response = APIClient().post("/api/token/", {"username": "manager", "password": f.PASSWORD})
    assert response.status_code == 200 and response.json()["token"]


# --- writes: allowed and refused ---------------------------------------------------

def test_a_manager_creates_a_ratio_rule_for_their_unit_and_it_is_audited(world):
    client = world.client_for(world.manager)
    response = client.post("/api/ratio-rules/", {"unit": world.icu.pk, "role": "RN", "patients_per_staff": "2"})
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(action="create", object_type="roster.RatioRule")
    assert event.actor == world.manager and event.after["unit"] == world.icu.pk


def test_a_manager_cannot_create_rules_for_another_unit(world):
    response = world.client_for(world.manager).post(
        "/api/ratio-rules/", {"unit": world.ward.pk, "role": "RN", "patients_per_staff": "5"}
    )
    assert response.status_code == 400 and "unit" in response.json()
    assert not RatioRule.objects.exists()


def test_a_nurse_cannot_create_coverage(world):
    response = world.client_for(world.nurse.user).post(
        "/api/coverage/",
        {"unit": world.icu.pk, "date": "2026-03-02", "shift_type": world.day.pk, "role": "RN", "minimum": 1, "preferred": 1, "maximum": 2},
    )
    assert response.status_code in (400, 403)
    assert not CoverageRequirement.objects.exists()


def test_only_an_administrator_creates_skills(world):
    assert world.client_for(world.manager).post("/api/skills/", {"code": "vent", "name": "Ventilator"}).status_code == 403
    assert world.client_for(world.admin).post("/api/skills/", {"code": "vent", "name": "Ventilator"}).status_code == 201


def test_a_coordinator_changes_their_sites_units_but_not_others(world):
    client = world.client_for(world.coordinator)
    assert client.patch(f"/api/units/{world.ward.pk}/", {"beds": 30}, format="json").status_code == 200
    assert client.patch(f"/api/units/{world.ed.pk}/", {"beds": 30}, format="json").status_code == 404
    assert Unit.objects.get(pk=world.ward.pk).beds == 30


def test_a_manager_cannot_move_a_nurse_to_another_unit(world):
    response = world.client_for(world.manager).patch(
        f"/api/staff/{world.colleague.pk}/", {"home_unit": world.ed.pk}, format="json"
    )
    assert response.status_code == 400 and "home_unit" in response.json()
    assert Staff.objects.get(pk=world.colleague.pk).home_unit == world.icu


def test_a_nurse_files_leave_for_themself_and_the_manager_approves_it(world):
    response = world.client_for(world.nurse.user).post(
        "/api/leave/", {"start_date": "2026-03-10", "end_date": "2026-03-12", "kind": "annual", "reason": "Wedding"}
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert Leave.objects.get(pk=pk).staff == world.nurse
    assert world.client_for(world.nurse.user).post(f"/api/leave/{pk}/approve/").status_code == 403
    assert world.client_for(world.manager).post(f"/api/leave/{pk}/approve/").json()["status"] == "approved"
    assert world.client_for(world.manager).post(f"/api/leave/{pk}/approve/").status_code == 409


def test_a_nurse_cannot_file_leave_for_a_colleague(world):
    response = world.client_for(world.nurse.user).post(
        "/api/leave/", {"staff": world.colleague.pk, "start_date": "2026-03-10", "end_date": "2026-03-12"}
    )
    assert response.status_code == 403 and "staff" in response.json()
    assert not Leave.objects.exists()


def test_an_assignment_that_breaks_rest_is_refused_with_the_rule_named(world):
    roster = f.RosterFactory(unit=world.icu, start_date=MON, end_date=MON + dt.timedelta(days=6))
    client = world.client_for(world.manager)
    first = client.post("/api/assignments/", {"roster": roster.pk, "staff": world.nurse.pk, "shift_type": world.night.pk, "date": "2026-03-02"})
    assert first.status_code == 201, first.content
    second = client.post("/api/assignments/", {"roster": roster.pk, "staff": world.nurse.pk, "shift_type": world.day.pk, "date": "2026-03-03"})
    assert second.status_code == 409
    body = second.json()
    assert "min_rest" in body["rules"] and "rest" in body["staff"][0]
    assert Assignment.objects.count() == 1


def test_rosters_are_created_and_published_through_the_api(world):
    client = world.client_for(world.manager)
    response = client.post("/api/rosters/", {"unit": world.icu.pk, "start_date": "2026-03-02", "end_date": "2026-03-29"})
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert world.client_for(world.nurse.user).post(f"/api/rosters/{pk}/publish/").status_code == 404
    assert client.post(f"/api/rosters/{pk}/publish/").json()["status"] == "published"


def test_a_waiver_of_an_unwaivable_rule_is_refused_naming_the_rule(world):
    response = world.client_for(world.manager).post(
        "/api/waivers/", {"staff": world.nurse.pk, "date": "2026-03-02", "rule": "overlap", "reason": "x"}
    )
    assert response.status_code == 400 and "rule" in response.json()


# --- bad input: a 4xx that names the field, and nothing written ------------------------

BAD = [
    ("/api/ratio-rules/", {"unit": "icu", "role": "RN", "patients_per_staff": "-1"}, "patients_per_staff"),
    ("/api/ratio-rules/", {"unit": "icu", "role": "RN"}, "patients_per_staff"),
    ("/api/ratio-rules/", {"unit": "icu", "role": "WIZARD", "patients_per_staff": "2"}, "role"),
    ("/api/shift-types/", {"site": "north", "code": "X", "name": "Long", "start_time": "07:00", "duration_minutes": 800}, "duration_minutes"),
    ("/api/shift-types/", {"site": "north", "code": "X", "name": "Bad", "start_time": "25:00", "duration_minutes": 480}, "start_time"),
    ("/api/coverage/", {"unit": "icu", "date": "2026-03-02", "shift_type": "day", "role": "RN", "minimum": 3, "preferred": 2, "maximum": 4}, "preferred"),
    ("/api/coverage/", {"unit": "icu", "date": "not-a-date", "shift_type": "day", "role": "RN", "minimum": 1, "preferred": 1, "maximum": 1}, "date"),
    ("/api/coverage/", {"unit": "icu", "date": "2026-03-02", "shift_type": "day", "minimum": 1, "preferred": 1, "maximum": 1}, "role"),
    ("/api/census/", {"unit": "icu", "date": "2026-03-02", "shift_type": "day", "patients": -3}, "patients"),
    ("/api/skill-mix-rules/", {"unit": "icu", "minimum": 1}, "skill"),
    ("/api/fatigue-rules/", {"site": "north", "max_shift_minutes": 900}, "max_shift_minutes"),
    ("/api/certifications/", {"staff": "nurse", "type": "acls", "number": "A1", "issued": "2026-01-01", "expires": "2025-01-01"}, "expires"),
    ("/api/staff/", {"employee_number": "X1", "first_name": "A", "last_name": "B", "role": "RN", "home_unit": "icu", "fte": "1.5"}, "fte"),
    ("/api/leave/", {"start_date": "2026-03-10", "end_date": "2026-03-01"}, "end_date"),
    ("/api/leave/", {"end_date": "2026-03-01"}, "start_date"),
    ("/api/preferences/", {"date": "2026-03-10", "kind": "on", "weight": 99}, "weight"),
    ("/api/preferences/", {"date": "2026-03-10", "kind": "maybe"}, "kind"),
    ("/api/rosters/", {"unit": "icu", "start_date": "2026-03-02", "end_date": "2026-02-01"}, "end_date"),
    ("/api/rosters/", {"unit": "ward", "start_date": "2026-03-02", "end_date": "2026-03-29"}, "unit"),
    ("/api/assignments/", {"roster": "roster", "staff": "nurse", "shift_type": "day", "date": "2027-01-01"}, "date"),
    ("/api/assignments/", {"roster": "roster", "staff": "nurse", "date": "2026-03-02"}, "shift_type"),
    ("/api/waivers/", {"staff": "nurse", "date": "2026-03-02", "rule": "min_rest", "reason": "  "}, "reason"),
    ("/api/waivers/", {"staff": "outsider", "date": "2026-03-02", "rule": "min_rest", "reason": "x"}, "staff"),
    ("/api/solver-runs/", {"site": "north", "unit": "icu", "start_date": "2026-03-02", "end_date": "2026-03-01"}, "end_date"),
    ("/api/solver-runs/", {"site": "north", "unit": "icu", "start_date": "2026-03-02", "end_date": "2026-03-29", "time_limit_seconds": 0}, "time_limit_seconds"),
    ("/api/contracts/", {"name": "Bad", "unavailable_weekdays": [9]}, "unavailable_weekdays"),
    ("/api/sites/", {"name": "Elsewhere", "code": "else", "timezone": "Mars/Olympus"}, "timezone"),
    # Dates outside the years Headroom plans for (2000–2099).
    ("/api/rosters/", {"unit": "icu", "start_date": "0001-01-01", "end_date": "0001-01-28"}, "start_date"),
    ("/api/solver-runs/", {"site": "north", "unit": "icu", "start_date": "9999-12-27", "end_date": "9999-12-31"}, "start_date"),
    ("/api/leave/", {"start_date": "9999-12-29", "end_date": "9999-12-31"}, "start_date"),
    ("/api/preferences/", {"date": "1999-12-31", "kind": "off"}, "date"),
    ("/api/coverage/", {"unit": "icu", "date": "2100-01-01", "shift_type": "day", "role": "RN", "minimum": 1, "preferred": 1, "maximum": 1}, "date"),
    ("/api/census/", {"unit": "icu", "date": "9999-12-31", "shift_type": "day", "patients": 3}, "date"),
    ("/api/waivers/", {"staff": "nurse", "date": "9999-12-31", "rule": "min_rest", "reason": "x"}, "date"),
]


@pytest.mark.parametrize("url, payload, field", BAD, ids=[f"{u}:{fld}" for u, _, fld in BAD])
def test_bad_input_to_each_write_endpoint_names_the_field_and_writes_nothing(world, url, payload, field):
    roster = f.RosterFactory(unit=world.icu, start_date=MON, end_date=MON + dt.timedelta(days=27))
    cert_type = f.CertificationTypeFactory(code="acls")
    refs = {
        "icu": world.icu.pk, "ward": world.ward.pk, "north": world.north.pk, "day": world.day.pk,
        "nurse": world.nurse.pk, "outsider": world.outsider.pk, "roster": roster.pk, "acls": cert_type.pk,
    }
    data = {k: refs.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    actor = world.nurse.user if url in ("/api/leave/", "/api/preferences/") else (
        world.admin if url in ("/api/sites/", "/api/contracts/", "/api/fatigue-rules/", "/api/shift-types/") else world.manager
    )
    before = AuditEvent.objects.count()
    response = world.client_for(actor).post(url, data, format="json")
    assert 400 <= response.status_code < 500, response.content
    assert response.status_code != 404
    assert field in response.json(), response.json()
    assert AuditEvent.objects.count() == before


BAD_FILTERS = [
    ("/api/staff/?unit=99999999999999999999", "unit"),
    ("/api/staff/?site=1.5", "site"),
    ("/api/certifications/?unit=-1", "unit"),
    ("/api/certifications/?expiring_within_days=99999999999", "expiring_within_days"),
    ("/api/certifications/?expiring_within_days=-5", "expiring_within_days"),
    ("/api/assignments/?unit=icu", "unit"),
]


@pytest.mark.parametrize("query, param", BAD_FILTERS, ids=[q for q, _ in BAD_FILTERS])
def test_a_filter_value_no_id_or_day_count_can_take_is_a_400_naming_it(world, query, param):
    response = world.client_for(world.admin).get(query)
    assert response.status_code == 400, response.content
    assert param in response.json()


def test_certifications_expiring_within_n_days_are_those_that_lapse_by_then(world):
    today = timezone.localdate()
    soon = f.CertificationFactory(staff=world.nurse, expires=today + dt.timedelta(days=10))
    f.CertificationFactory(staff=world.nurse, expires=today + dt.timedelta(days=100))
    client = world.client_for(world.manager)
    assert ids(client.get("/api/certifications/?expiring_within_days=30")) == {soon.pk}
    assert len(ids(client.get("/api/certifications/?expiring_within_days=3660"))) == 2


def test_a_second_generation_of_the_same_week_is_a_409_naming_the_start(world):
    client = world.client_for(world.manager)
    body = {"site": world.north.pk, "unit": world.icu.pk, "start_date": "2026-03-02", "end_date": "2026-03-08"}
    assert client.post("/api/solver-runs/", body, format="json").status_code == 201
    again = client.post("/api/solver-runs/", body, format="json")
    assert again.status_code == 409 and "already being generated" in again.json()["start_date"][0]


def test_malformed_json_is_a_400_not_a_500(world):
    response = world.client_for(world.manager).post("/api/ratio-rules/", "{not json", content_type="application/json")
    assert response.status_code == 400


# --- schema and efficiency ---------------------------------------------------------

def test_the_openapi_schema_lists_every_endpoint(world):
    response = world.client_for(world.manager).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/units/", "/api/staff/", "/api/leave/{id}/approve/", "/api/rosters/{id}/publish/",
                 "/api/assignments/", "/api/waivers/", "/api/solver-runs/{id}/cancel/", "/api/audit/", "/api/me/"):
        assert path in text, path


def test_the_interactive_docs_page_loads(world):
    world.client_for(world.manager)
    client = APIClient()
    client.force_login(world.manager)
    assert client.get("/api/docs/").status_code == 200


def test_listing_staff_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(30):
        person = f.StaffFactory(home_unit=world.icu)
        person.skills.add(f.SkillFactory(code="charge"))
    client = world.client_for(world.manager)
    with django_assert_max_num_queries(12):
        response = client.get("/api/staff/")
    assert response.json()["count"] == 32


def test_listing_assignments_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    roster = f.RosterFactory(unit=world.icu, start_date=MON, end_date=MON + dt.timedelta(days=27))
    people = [f.StaffFactory(home_unit=world.icu) for _ in range(10)]
    for i, person in enumerate(people):
        assignment_create(actor=world.manager, roster=roster, staff=person, shift_type=world.day, day=MON + dt.timedelta(days=i))
    client = world.client_for(world.manager)
    with django_assert_max_num_queries(10):
        response = client.get("/api/assignments/")
    assert response.json()["count"] == 10
