"""My shifts: the list, the month calendar and the calendar feed. Thin: the logic is in
``roster.my_shifts`` and ``roster.calendar_feed``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from . import access, calendar_feed, my_shifts
from .models import Staff


def _me(request: HttpRequest) -> Staff:
    me = access.staff_of(request.user)
    if me is None:
        raise PermissionDenied("This login is not a staff member's: there are no shifts to show.")
    return me


def _month(value: str | None, today: dt.date) -> dt.date:
    if not value:
        return today.replace(day=1)
    try:
        first = dt.date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise Http404("Months look like 2026-03.") from exc
    return first


@require_safe
@login_required
def shifts(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    today = timezone.localdate()
    upcoming, past = my_shifts.shift_list(me, today=today)
    feed = calendar_feed.feed_of(me)
    feed_url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    return render(request, "roster/self/shifts.html",
                  {"upcoming": upcoming, "past": past, "feed_url": feed_url, "me": me})


@require_safe
@login_required
def month(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    today = timezone.localdate()
    first = _month(request.GET.get("month"), today)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    weeks = my_shifts.month(me, year=first.year, month_number=first.month, today=today)
    return render(request, "roster/self/month.html", {
        "weeks": weeks, "first": first, "previous": previous, "following": following,
    })


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: no login, the address itself is the secret."""
    staff = calendar_feed.staff_by_token(token)
    if staff is None:
        raise Http404("No such calendar.")
    response = HttpResponse(calendar_feed.ics(staff), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@require_POST
@login_required
def feed_reset(request: HttpRequest) -> HttpResponse:
    calendar_feed.feed_reset(actor=request.user, staff=_me(request))
    messages.success(request, "Your calendar has a new address; the old one no longer works.")
    return redirect("my-shifts")


urlpatterns: list[URLPattern | URLResolver] = [
    path("me/shifts/", shifts, name="my-shifts"),
    path("me/calendar/", month, name="my-calendar"),
    path("me/calendar/reset/", feed_reset, name="calendar-feed-reset"),
    path("calendar/<str:token>.ics", feed, name="calendar-feed"),
]
