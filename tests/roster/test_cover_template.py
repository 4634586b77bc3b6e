"""A unit's weekly cover: set by hand or derived from ratios and a census estimate,
applied to a period without clobbering a date's own cover; generation that names the
days nobody set cover for (never "fully covered" over them); and the people a roster
gives no shift at all, listed for the manager and told themselves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from roster import cover_templates as ct
from roster import generation
from roster.errors import DomainError, NotAllowed
from roster.models import (
    AuditEvent,
    CoverageRequirement,
    CoverTemplate,
    Notification,
    RatioRule,
    SolverRun,
    Staff,
)
from roster.rosters import roster_publish
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# Next month's first Monday.
_FIRST = (TODAY.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
MON = _FIRST + dt.timedelta(days=-_FIRST.weekday() % 7)
SUN = MON + dt.timedelta(days=6)
WEEKDAYS = range(5)
WEEK = (0, 1, 2, 3, 4, 5, 6)
RN = ct.Need(role="RN")


def _week(world, *, weekdays=WEEK, minimum=1, shift=None):
    return ct.template_set(actor=world.manager, unit=world.icu, weekdays=weekdays, shift_type=shift or world.day,
                           need=RN, minimum=minimum, preferred=minimum, maximum=minimum + 2)


def _rows(world, **kw):
    return CoverageRequirement.objects.filter(unit=world.icu, **kw)


def test_applying_the_week_writes_each_dates_cover_from_its_weekday(world):
    _week(world, weekdays=WEEKDAYS, minimum=2)
    _week(world, weekdays=[5, 6], minimum=1)
    _week(world, minimum=1, shift=world.night)
    result = ct.template_apply(actor=world.manager, unit=world.icu, start_date=MON, end_date=SUN)
    assert result.created == 14
    rows = {(r.date, r.shift_type.code): r.minimum for r in _rows(world)}
    assert rows[(MON, "D")] == 2 and rows[(MON + dt.timedelta(days=5), "D")] == 1
    assert all((MON + dt.timedelta(days=i), "N") in rows for i in range(7))
    assert AuditEvent.objects.filter(action="cover_template.apply", actor=world.manager).exists()


def test_a_dates_own_cover_survives_reapplying_and_template_rows_follow_the_template(world):
    _week(world, minimum=2)
    ct.template_apply(actor=world.manager, unit=world.icu, start_date=MON, end_date=SUN)
    # Christmas-style exception: Wednesday needs 4, set for that date only.
    wednesday = MON + dt.timedelta(days=2)
    ct.cover_override(actor=world.manager, unit=world.icu, date=wednesday, shift_type=world.day, need=RN,
                      minimum=4, preferred=4, maximum=6)
    # A row set through the API for one date is that date's own too.
    thursday = MON + dt.timedelta(days=3)
    response = world.client_for(world.manager).patch(
        f"/api/coverage/{_rows(world, date=thursday).get().pk}/", {"minimum": 3, "preferred": 3, "maximum": 5},
        format="json")
    assert response.status_code == 200, response.content
    _week(world, minimum=1)  # the usual week changes
    result = ct.template_apply(actor=world.manager, unit=world.icu, start_date=MON, end_date=SUN)
    assert result.overrides_kept == 2 and result.updated == 5
    assert _rows(world, date=wednesday).get().minimum == 4
    assert _rows(world, date=thursday).get().minimum == 3
    assert _rows(world, date=MON).get().minimum == 1
    # A line removed from the week takes its template rows with it, never the overrides.
    ct.template_clear_row(actor=world.manager, unit=world.icu, shift_type=world.day, need=RN)
    result = ct.template_apply(actor=world.manager, unit=world.icu, start_date=MON, end_date=SUN)
    assert result.removed == 5
    assert set(_rows(world).values_list("date", flat=True)) == {wednesday, thursday}


def test_past_days_keep_their_cover_and_a_period_over_is_refused(world):
    _week(world, minimum=2)
    with pytest.raises(DomainError) as err:
        ct.template_apply(actor=world.manager, unit=world.icu, start_date=TODAY - dt.timedelta(days=7),
                          end_date=TODAY - dt.timedelta(days=1))
    assert err.value.field == "end_date"
    result = ct.template_apply(actor=world.manager, unit=world.icu, start_date=TODAY - dt.timedelta(days=6),
                               end_date=TODAY + dt.timedelta(days=7))
    assert result.start_date == TODAY and result.created == 8
    assert not _rows(world, date__lt=TODAY).exists()


def test_deriving_from_the_ratio_shows_how_the_numbers_came(world):
    RatioRule.objects.create(unit=world.icu, role="RN", patients_per_staff=2)
    lines = ct.template_derive(actor=world.manager, unit=world.icu, weekdays=[0], shift_type=world.day,
                               patients=7)
    line = CoverTemplate.objects.get(unit=world.icu, weekday=0, role="RN")
    assert (line.minimum, line.preferred, line.maximum, line.patients) == (4, 5, 7, 7)
    assert lines[0].derivation.startswith("7 patients at 1 RN : 2 → minimum 4, preferred 5")
    night = ct.derive_lines(world.icu, world.night, 7)[0]
    assert (night.minimum, night.preferred) == (4, 4)
    with pytest.raises(DomainError) as err:
        ct.derive_lines(world.ward, world.day, 7)  # no ratio rule on the ward
    assert err.value.field == "patients"


def test_bad_lines_are_refused_by_name_and_only_managers_set_them(world):
    with pytest.raises(DomainError) as err:
        ct.template_set(actor=world.manager, unit=world.icu, weekdays=[0], shift_type=world.day, need=RN,
                        minimum=3, preferred=2, maximum=4)
    assert err.value.field == "preferred"
    with pytest.raises(DomainError) as err:
        ct.template_set(actor=world.manager, unit=world.icu, weekdays=[], shift_type=world.day, need=RN,
                        minimum=1, preferred=1, maximum=1)
    assert err.value.field == "weekdays"
    with pytest.raises(NotAllowed):
        ct.template_set(actor=world.nurse.user, unit=world.icu, weekdays=[0], shift_type=world.day, need=RN,
                        minimum=1, preferred=1, maximum=1)
    # Setting the same line twice replaces it.
    _week(world, weekdays=[0], minimum=1)
    _week(world, weekdays=[0], minimum=3)
    assert CoverTemplate.objects.get(unit=world.icu, weekday=0).minimum == 3


def test_gaps_name_the_days_and_shifts_nobody_set_cover_for(world):
    _week(world, weekdays=WEEKDAYS)
    _week(world, weekdays=[0, 1], shift=world.night)
    ct.template_apply(actor=world.manager, unit=world.icu, start_date=MON, end_date=SUN)
    gaps = ct.cover_gaps(world.icu, MON, SUN)
    assert gaps.days == [MON + dt.timedelta(days=5), SUN]
    assert gaps.by_shift == {"N": [MON + dt.timedelta(days=i) for i in (2, 3, 4)]}
    assert gaps.text().startswith("North ICU: no cover set for 2 days: Sat 9 Jan, Sun 10 Jan; no N cover on 3 days")


def _run(world, *, seconds=3) -> SolverRun:
    run = generation.solver_run_request(actor=world.manager, site=world.north, unit=world.icu, start_date=MON,
                                        end_date=SUN, time_limit_seconds=seconds)
    generation.solver_run_execute(run.pk)
    run.refresh_from_db()
    return run


def test_generation_applies_the_week_and_the_run_page_never_says_fully_covered_over_empty_days(world, client):
    for _ in range(3):
        f.StaffFactory(home_unit=world.icu)
    _week(world, weekdays=WEEKDAYS)
    run = _run(world)
    assert run.status == SolverRun.Status.SUCCEEDED, run.error
    assert _rows(world, date=MON).exists()  # the week was applied by generating
    assert [g["days"] for g in run.result["no_cover"]] == [[(MON + dt.timedelta(days=5)).isoformat(),
                                                             SUN.isoformat()]]
    client.force_login(world.manager)
    page = client.get(reverse("roster-run", args=[run.pk])).content.decode()
    assert "Fully covered" not in page
    assert "no cover set for 2 days: Sat 9 Jan, Sun 10 Jan" in page
    grid = client.get(reverse("roster-detail", args=[run.rosters.get().pk])).content.decode()
    assert "Fully covered" not in grid and "no cover set for 2 days" in grid
    # With the weekend set too, the same period is fully covered.
    _week(world, weekdays=[5, 6])
    run = _run(world)
    assert run.result["no_cover"] == []
    assert "Fully covered" in client.get(reverse("roster-run", args=[run.pk])).content.decode()


def test_staff_with_no_shift_are_listed_with_the_reason_and_told_at_publication(world, client):
    # A bank LPN (no hours contracted): nothing would put her on this RN-only roster.
    bank = f.ContractFactory(name="Bank", min_minutes=0, max_minutes=0)
    lpn = f.StaffFactory(home_unit=world.icu, role=Staff.Role.LPN, first_name="Lou", last_name="Practical",
                         contract=bank)
    away = f.StaffFactory(home_unit=world.icu, first_name="Ada", last_name="Away")
    f.LeaveFactory(staff=away, start_date=MON - dt.timedelta(days=3), end_date=SUN + dt.timedelta(days=3),
                   status="approved")
    _week(world)
    run = _run(world)
    listed = {p["name"]: p["reason"] for p in run.result["without_shifts"]}
    assert listed["Lou Practical"] == "no cover of this period asks for a licensed practical nurse"
    assert listed["Ada Away"].startswith("on leave")
    client.force_login(world.manager)
    page = client.get(reverse("roster-run", args=[run.pk])).content.decode()
    assert "Lou Practical (LPN): no cover of this period asks for a licensed practical nurse" in page
    roster_publish(actor=world.manager, roster=run.rosters.get())
    note = Notification.objects.get(recipient=lpn.user)
    assert "no shifts on the North ICU roster" in note.text
    assert "now in force: no cover of this period asks for a licensed practical nurse" in note.text
    assert Notification.objects.filter(recipient=away.user, text__contains="no shifts").count() == 1
    # A nurse who got shifts is not told she has none.
    assert not Notification.objects.filter(text__contains="no shifts",
                                           recipient__in=[world.nurse.user, world.colleague.user]).exists()


# --- the page -----------------------------------------------------------------------

def _post(client, world, **data):
    return client.post(reverse("cover-editor", args=[world.icu.pk]), data)


def test_the_editor_sets_a_line_applies_it_and_says_what_is_wrong(world, client):
    client.force_login(world.manager)
    url = reverse("cover-editor", args=[world.icu.pk])
    assert "No weekly cover yet" in client.get(url).content.decode()
    response = _post(client, world, action="set", weekdays=["5", "6"], shift_type=world.night.pk, need="role:RN",
                     minimum=2, preferred=1, maximum=3)
    assert response.status_code == 400
    assert "The preferred number cannot be below the minimum." in response.content.decode()
    assert not CoverTemplate.objects.exists()
    response = _post(client, world, action="set", weekdays=["5", "6"], shift_type=world.night.pk, need="role:RN",
                     minimum=2, preferred=2, maximum=3)
    assert response.status_code == 302
    assert CoverTemplate.objects.filter(unit=world.icu, shift_type=world.night).count() == 2
    response = _post(client, world, action="apply", start_date="2027-01-04", end_date="2027-01-03")
    assert response.status_code == 400 and "must end on or after its start" in response.content.decode()
    response = _post(client, world, action="apply", start_date="2027-01-04", end_date="2027-01-10")
    assert response.status_code == 302
    assert _rows(world, shift_type=world.night).count() == 2
    page = client.get(url).content.decode()
    assert "2 added" in page and "2 · 2 · 3" in page
    # The audit log says it in words, linking to the editor.
    log = client.get(reverse("audit-list")).content.decode()
    assert "Applied the usual week" in log and "Set the usual week" in log and url in log


def test_the_editor_is_for_the_units_managers_and_its_sites_coordinators(world, client):
    url = reverse("cover-editor", args=[world.icu.pk])
    client.force_login(world.coordinator)
    assert client.get(url).status_code == 200
    client.force_login(world.nurse.user)
    assert client.get(url).status_code in (403, 404)
    client.force_login(world.manager)
    assert client.get(reverse("cover-editor", args=[world.ward.pk])).status_code in (403, 404)


# --- the API ------------------------------------------------------------------------

def test_the_api_sets_lines_derives_and_applies_and_names_the_field_at_fault(world):
    api = world.client_for(world.manager)
    response = api.post("/api/cover-templates/", {"unit": world.icu.pk, "weekday": 0, "shift_type": world.day.pk,
                                                  "role": "RN", "minimum": 2, "preferred": 1, "maximum": 3},
                        format="json")
    assert response.status_code == 400 and "preferred" in response.json()
    response = api.post("/api/cover-templates/", {"unit": world.icu.pk, "weekday": 0, "shift_type": world.day.pk,
                                                  "role": "RN", "minimum": 2, "preferred": 2, "maximum": 3},
                        format="json")
    assert response.status_code == 201, response.content
    RatioRule.objects.create(unit=world.icu, role="RN", patients_per_staff=4)
    response = api.post("/api/cover-templates/derive/", {"unit": world.icu.pk, "shift_type": world.night.pk,
                                                         "weekdays": [5, 6], "patients": 10}, format="json")
    assert response.status_code == 200, response.content
    assert {(x["weekday"], x["minimum"]) for x in response.json()} == {(5, 3), (6, 3)}
    response = api.post("/api/cover-templates/apply/", {"unit": world.icu.pk, "start_date": "2027-01-04",
                                                        "end_date": "2027-01-10"}, format="json")
    assert response.status_code == 200 and response.json()["created"] == 3
    response = api.post("/api/cover-templates/apply/", {"unit": world.ward.pk, "start_date": "2027-01-04",
                                                        "end_date": "2027-01-10"}, format="json")
    assert response.status_code == 400 and "unit" in response.json()
    nurse = world.client_for(world.nurse.user)
    assert nurse.get("/api/cover-templates/").status_code == 200
    response = nurse.post("/api/cover-templates/", {"unit": world.icu.pk, "weekday": 1, "shift_type": world.day.pk,
                                                    "role": "RN", "minimum": 1, "preferred": 1, "maximum": 1},
                          format="json")
    assert response.status_code in (400, 403)
    assert not CoverTemplate.objects.filter(weekday=1).exists()


def test_the_editor_shows_the_derivation_before_using_it(world, client):
    RatioRule.objects.create(unit=world.icu, role="RN", patients_per_staff=4)
    client.force_login(world.manager)
    data = {"weekdays": ["0", "1", "2", "3", "4", "5", "6"], "shift_type": world.day.pk, "patients": 7}
    response = _post(client, world, action="preview", **data)
    assert response.status_code == 200
    assert "7 patients at 1 RN : 4 → minimum 2, preferred 3" in response.content.decode()
    assert not CoverTemplate.objects.exists()  # shown, not yet used
    response = _post(client, world, action="derive", **data)
    assert response.status_code == 302
    assert set(CoverTemplate.objects.values_list("minimum", "preferred", "maximum")) == {(2, 3, 5)}
    assert "7 patients at 1 RN : 4" in client.get(reverse("cover-editor", args=[world.icu.pk])).content.decode()
    response = _post(client, world, action="derive", **{**data, "patients": 5000})
    assert response.status_code == 400 and "Patients expected" in response.content.decode()
