"""My shifts and the calendar feed: the shifts in force, in the site's time, a feed at a
secret address built with the icalendar library, and a reset that retires the old one."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from roster import calendar_feed
from roster.editing import assignment_create
from roster.models import AuditEvent
from roster.requests import preference_create
from roster.rosters import roster_publish
from tests import factories as f


def publish_shifts(world, *days_and_shifts, start: dt.date):
    roster = f.RosterFactory(unit=world.icu, start_date=start, end_date=start + dt.timedelta(days=27))
    for day, shift in days_and_shifts:
        assignment_create(actor=world.admin, roster=roster, staff=world.nurse, shift_type=shift,
                                   day=start + dt.timedelta(days=day))
    return roster_publish(actor=world.admin, roster=roster)


def monday_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 or 7)


def test_my_shifts_lists_upcoming_published_shifts_in_local_time(client, world):
    start = monday_after(timezone.localdate())
    publish_shifts(world, (0, world.day), (2, world.night), start=start)
    draft = f.RosterFactory(unit=world.icu, start_date=start + dt.timedelta(days=28),
                            end_date=start + dt.timedelta(days=34))
    assignment_create(actor=world.admin, roster=draft, staff=world.nurse,
                               shift_type=world.day, day=draft.start_date)
    client.force_login(world.nurse.user)
    page = client.get(reverse("my-shifts")).content.decode()
    assert page.count('data-testid="my-shift"') == 2  # the draft's shift is not in force
    assert "07:00" in page and "19:00" in page
    month = client.get(reverse("my-calendar"), {"month": start.strftime("%Y-%m")}).content.decode()
    assert f'data-date="{start.isoformat()}"' in month
    assert 'data-testid="calendar-shift"' in month


def test_a_bad_month_is_a_404_not_a_500(client, world):
    client.force_login(world.nurse.user)
    assert client.get(reverse("my-calendar"), {"month": "March"}).status_code == 404
    # Months whose neighbours leave the calendar: the page links to the next month.
    assert client.get(reverse("my-calendar"), {"month": "9999-12"}).status_code == 404
    assert client.get(reverse("my-calendar"), {"month": "0001-01"}).status_code == 404


def test_a_login_without_a_staff_record_has_no_shifts_page(client, world):
    client.force_login(world.regional)
    assert client.get(reverse("my-shifts")).status_code == 403


def test_the_feed_is_icalendar_with_real_instants_across_a_clock_change(client, world):
    # The clocks go back in the UK at 02:00 on Sunday 25 October 2026: Saturday's night
    # shift, 19:00 to 07:00 on the wall clock, lasts 13 hours.
    publish_shifts(world, (5, world.night), start=dt.date(2026, 10, 19))
    feed = calendar_feed.feed_of(world.nurse)
    response = client.get(reverse("calendar-feed", args=[feed.token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    [event] = [c for c in cal.walk("VEVENT")]
    starts, ends = event.decoded("dtstart"), event.decoded("dtend")
    assert (ends - starts) == dt.timedelta(hours=13)
    assert starts == dt.datetime(2026, 10, 24, 18, 0, tzinfo=dt.UTC)  # 19:00 BST
    assert ends == dt.datetime(2026, 10, 25, 7, 0, tzinfo=dt.UTC)  # 07:00 GMT
    assert "North ICU" in str(event.get("summary"))


def test_resetting_the_address_retires_the_old_one(client, world):
    old = calendar_feed.feed_of(world.nurse).token
    client.force_login(world.nurse.user)
    client.post(reverse("calendar-feed-reset"))
    new = calendar_feed.feed_of(world.nurse).token
    assert new != old
    assert client.get(reverse("calendar-feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar-feed", args=[new])).status_code == 200
    assert AuditEvent.objects.filter(action="calendar_feed.reset").exists()


def test_nobody_resets_someone_elses_feed(world):
    import pytest

    from roster.errors import NotAllowed

    with pytest.raises(NotAllowed):
        calendar_feed.feed_reset(actor=world.colleague.user, staff=world.nurse)


def test_the_api_gives_my_shifts_and_my_feed_address(world):
    from rest_framework.test import APIClient

    start = monday_after(timezone.localdate())
    publish_shifts(world, (1, world.night), start=start)
    api = APIClient()
    api.force_authenticate(world.nurse.user)
    rows = api.get("/api/me/shifts/", {"from": start.isoformat(),
                                       "to": (start + dt.timedelta(days=6)).isoformat()}).json()
    assert [(r["date"], r["shift"], r["hours"]) for r in rows] == [
        ((start + dt.timedelta(days=1)).isoformat(), "N", 12.0)]
    assert api.get("/api/me/shifts/", {"from": "tomorrow"}).status_code == 400
    assert "from" in api.get("/api/me/shifts/", {"from": "tomorrow"}).json()
    old = api.get("/api/me/calendar-feed/").json()["url"]
    new = api.post("/api/me/calendar-feed/").json()["url"]
    assert old != new and new.endswith(".ics")
    api.force_authenticate(world.regional)
    assert api.get("/api/me/shifts/").status_code == 403


def test_preferences_are_decided_through_the_api_by_the_manager_only(world):
    from rest_framework.test import APIClient

    from roster.models import Preference

    pref = preference_create(actor=world.nurse.user, staff=world.nurse, day=dt.date(2099, 1, 5),
                                      kind="off", weight=4)
    api = APIClient()
    api.force_authenticate(world.colleague.user)
    assert api.post(f"/api/preferences/{pref.pk}/approve/").status_code == 404
    api.force_authenticate(world.nurse.user)
    assert api.post(f"/api/preferences/{pref.pk}/approve/").status_code == 403
    api.force_authenticate(world.manager)
    assert api.post(f"/api/preferences/{pref.pk}/approve/").json()["status"] == "approved"
    pref.refresh_from_db()
    assert pref.status == Preference.Status.APPROVED


def test_my_calendar_and_feed_show_my_leave(client, world):
    from roster.models import Leave

    start = monday_after(timezone.localdate())
    Leave.objects.create(staff=world.nurse, kind="annual", start_date=start, end_date=start + dt.timedelta(days=2),
                         status=Leave.Status.APPROVED)
    Leave.objects.create(staff=world.nurse, kind="study", start_date=start + dt.timedelta(days=4),
                         end_date=start + dt.timedelta(days=4))  # asked for, not decided
    Leave.objects.create(staff=world.nurse, kind="other", start_date=start + dt.timedelta(days=5),
                         end_date=start + dt.timedelta(days=5), status=Leave.Status.DECLINED)
    client.force_login(world.nurse.user)
    month = client.get(reverse("my-calendar"), {"month": start.strftime("%Y-%m")})
    days = {d.date: d.leave for week in month.context["weeks"] for d in week}
    assert days[start].status == "approved" and days[start + dt.timedelta(days=2)].kind == "annual"
    assert days[start + dt.timedelta(days=4)].status == "requested"
    assert days[start + dt.timedelta(days=5)] is None  # declined leave is not time off
    assert 'data-testid="calendar-leave" data-status="requested"' in month.content.decode()

    feed = calendar_feed.feed_of(world.nurse)
    cal = Calendar.from_ical(client.get(reverse("calendar-feed", args=[feed.token])).content)
    [event] = [c for c in cal.walk("VEVENT")]  # approved leave only
    assert str(event.get("summary")) == "Annual leave"
    assert event.decoded("dtstart") == start and event.decoded("dtend") == start + dt.timedelta(days=3)


def test_the_calendar_feed_offers_a_copy_button_and_a_webcal_link(client, world):
    client.force_login(world.nurse.user)
    html = client.get(reverse("my-shifts")).content.decode()
    assert 'data-copy="#feed-url"' in html
    assert 'href="webcal://testserver/' in html
