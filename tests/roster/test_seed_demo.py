"""`manage.py seed_demo`: a realistic network, the same rows however often it runs."""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from roster import access
from roster.demo import DEMO_PASSWORD, demo_counts, next_monday
from roster.models import (
    Access,
    AuditEvent,
    CensusEstimate,
    Certification,
    CoverageRequirement,
    Leave,
    RatioRule,
    Site,
    Staff,
    Unit,
)


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """The output and row counts of a first run, then of a second run: seeded once for
    the whole module (a year of history takes a while), inside a transaction rolled back
    at the end, so no other test sees the demo."""
    def counted() -> dict[str, int]:
        # The demo's own history (crisis levels, an incident, plans) is audited like any
        # change; a second run must add nothing to it but its own "demo.seed" row.
        return {**demo_counts(), "audited changes": AuditEvent.objects.exclude(action="demo.seed").count()}

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            first = io.StringIO()
            call_command("seed_demo", stdout=first)
            counts = counted()
            second = io.StringIO()
            call_command("seed_demo", stdout=second)
            yield first.getvalue(), counts, second.getvalue(), counted()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def seeded(_seeded_once, db):
    """The seeded demo, each test's own changes rolled back after it."""
    return _seeded_once


def test_running_it_twice_creates_no_duplicates(seeded):
    _, first, _, second = seeded
    assert first == second
    # The audit log is append-only: each run is recorded, once, and the second run
    # changes nothing else (the counts above include the audited changes).
    assert AuditEvent.objects.filter(action="demo.seed").count() == 2
    assert first["audited changes"] > 0


def test_the_network_has_three_sites_ten_units_and_about_250_staff(seeded):
    _, counts, _, _ = seeded
    assert counts["sites"] == 3
    assert set(Site.objects.values_list("timezone", flat=True)) == {"Europe/London"}
    assert 9 <= counts["units"] <= 12
    assert {u.kind for u in Unit.objects.all()} >= {
        Unit.Kind.ICU, Unit.Kind.ED, Unit.Kind.MEDSURG, Unit.Kind.MATERNITY, Unit.Kind.PAEDIATRICS,
        Unit.Kind.STEPDOWN, Unit.Kind.THEATRES,
    }
    assert 230 <= counts["staff"] <= 270
    roles = {role: Staff.objects.filter(role=role).count() for role in Staff.Role.values}
    assert roles[Staff.Role.RN] > counts["staff"] / 2
    assert roles[Staff.Role.HCA] and roles[Staff.Role.LPN] and roles[Staff.Role.MD] and roles[Staff.Role.TECH]
    for site in Site.objects.all():
        assert Staff.objects.filter(home_unit__site=site, float_pool=True).exists()
    assert Staff.objects.filter(user__isnull=False).count() > counts["staff"] * 0.8


def test_some_certifications_expire_within_30_days_and_a_few_have_lapsed(seeded):
    today = timezone.localdate()
    soon = Certification.objects.filter(expires__gte=today, expires__lte=today + dt.timedelta(days=30)).count()
    lapsed = Certification.objects.filter(expires__lt=today).count()
    assert 3 <= soon <= 40
    assert 1 <= lapsed <= 20


def test_four_weeks_of_census_from_next_monday_drive_the_coverage(seeded):
    start = next_monday(timezone.localdate())
    end = start + dt.timedelta(days=27)
    assert start.weekday() == 0 and start > timezone.localdate()
    census = CensusEstimate.objects.filter(date__range=(start, end))
    assert census.count() == CensusEstimate.objects.count() > 0
    assert {c.date for c in census} == {start + dt.timedelta(days=i) for i in range(28)}
    icu = Unit.objects.get(site__code="riverside", code="icu")
    ratio = RatioRule.objects.get(unit=icu, role=Staff.Role.RN).patients_per_staff
    for est in census.filter(unit=icu).select_related("shift_type"):
        req = CoverageRequirement.objects.get(unit=icu, date=est.date, shift_type=est.shift_type, role=Staff.Role.RN)
        assert req.minimum == math.ceil(est.patients / ratio)
    for unit in Unit.objects.exclude(kind=Unit.Kind.THEATRES):
        occupancy = [c.patients / unit.beds for c in census.filter(unit=unit)]
        assert min(occupancy) >= 0.70 and max(occupancy) <= 0.95
    # One charge nurse on every shift of every unit.
    assert CoverageRequirement.objects.filter(skill__code="charge-nurse").count() == census.count()


def test_leave_is_a_mix_of_approved_and_requested(seeded):
    assert Leave.objects.filter(status=Leave.Status.APPROVED, decided_by__isnull=False).count() >= 10
    assert Leave.objects.filter(status=Leave.Status.REQUESTED).count() >= 5


@pytest.mark.parametrize(
    ("username", "level"),
    [
        ("admin", Access.Level.ADMINISTRATOR),
        ("regional", Access.Level.REGIONAL_COORDINATOR),
        ("coordinator", Access.Level.SITE_COORDINATOR),
        ("manager", Access.Level.UNIT_MANAGER),
        ("nurse", Access.Level.STAFF),
    ],
)
def test_one_login_per_role_authenticates_and_is_printed(seeded, username, level):
    output = seeded[0]
    assert DEMO_PASSWORD in output and f"  {username} " in output
    user = authenticate(username=username, password=DEMO_PASSWORD)
    assert user is not None
    assert access.level_of(user) == level
    if level == Access.Level.SITE_COORDINATOR:
        assert access.managed_units(user).count() == Unit.objects.filter(site__code="riverside").count()
    if level == Access.Level.UNIT_MANAGER:
        assert list(access.managed_units(user).values_list("code", flat=True)) == ["icu"]
    if level == Access.Level.STAFF:
        assert access.staff_of(user).home_unit.code == "icu"


def test_staff_logins_authenticate_too(seeded):
    member = Staff.objects.filter(user__isnull=False).exclude(user__username="nurse").first()
    assert authenticate(username=member.user.username, password=DEMO_PASSWORD) == member.user
    assert access.level_of(member.user) == Access.Level.STAFF


def test_the_demo_can_publish_its_rosters_once_with_every_unit_staffed_today(db):
    from zoneinfo import ZoneInfo

    from roster.models import Assignment, Roster, Staff

    call_command("seed_demo", "--roster-seconds", "3", stdout=io.StringIO())
    call_command("seed_demo", "--roster-seconds", "3", stdout=io.StringIO())
    published = Roster.objects.filter(status=Roster.Status.PUBLISHED)
    today = timezone.localdate()
    start = next_monday(today)
    # The demo manager's unit for the demo period, and every unit for the week in progress.
    nurse = Staff.objects.get(user__username="nurse")
    roster = published.get(start_date=start)
    assert roster.unit == nurse.home_unit
    assert Assignment.objects.filter(roster=roster, live=True).exists()
    current = published.filter(start_date=start - dt.timedelta(days=7), end_date=start - dt.timedelta(days=1))
    assert sorted(current.values_list("unit_id", flat=True)) == sorted(Unit.objects.values_list("pk", flat=True))
    assert published.count() == Unit.objects.count() + 1
    # Every unit has people on shift at noon and late in the evening today, by day and
    # by night (so live staffing, the board and the crisis scan see staffed beds).
    zone = ZoneInfo("Europe/London")
    for hour in (12, 23):
        at = dt.datetime.combine(today, dt.time(hour), tzinfo=zone)
        on_shift = Assignment.objects.filter(live=True, starts_at__lte=at, ends_at__gt=at)
        for unit in Unit.objects.all():
            assert on_shift.filter(roster__unit=unit).exists(), (unit.name, hour)
