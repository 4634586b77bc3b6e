"""One's own shifts in force and one's calendar feed address (with reset)."""

from __future__ import annotations

import datetime as dt

from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from roster import access, calendar_feed, my_shifts
from roster.models import Staff

MAX_DAYS = 366


def _me(request: Request) -> Staff:
    me = access.staff_of(request.user)
    if me is None:
        raise PermissionDenied("This login is not a staff member's.")
    return me


def _date(request: Request, name: str, default: dt.date) -> dt.date:
    value = request.query_params.get(name)
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({name: ["Use a date like 2026-03-02."]}) from exc


class MyShiftSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(source="assignment.pk")
    date = serializers.DateField(source="assignment.date")
    shift = serializers.CharField(source="assignment.shift_type.code")
    unit = serializers.CharField(source="assignment.roster.unit.name")
    starts = serializers.DateTimeField()
    ends = serializers.DateTimeField()
    hours = serializers.FloatField()


class MyShiftsView(APIView):
    """The caller's shifts in force between ``from`` and ``to`` (site-local times)."""

    @extend_schema(
        parameters=[OpenApiParameter("from", str, description="first day, default today"),
                    OpenApiParameter("to", str, description="last day, default 90 days on")],
        responses=MyShiftSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        me = _me(request)
        today = timezone.localdate()
        first = _date(request, "from", today)
        last = _date(request, "to", today + dt.timedelta(days=90))
        if last < first:
            raise ValidationError({"to": ["Must be on or after 'from'."]})
        if (last - first).days > MAX_DAYS:
            raise ValidationError({"to": [f"At most {MAX_DAYS} days at once."]})
        return Response(MyShiftSerializer(my_shifts.between(me, first, last), many=True).data)


FEED = inline_serializer("CalendarFeed", {"url": serializers.URLField()})


class CalendarFeedView(APIView):
    """The secret address of the caller's iCalendar feed; POST issues a new one."""

    def _answer(self, request: Request, token: str) -> Response:
        return Response({"url": request.build_absolute_uri(reverse("calendar-feed", args=[token]))})

    @extend_schema(responses=FEED)
    def get(self, request: Request) -> Response:
        return self._answer(request, calendar_feed.feed_of(_me(request)).token)

    @extend_schema(request=None, responses=FEED)
    def post(self, request: Request) -> Response:
        return self._answer(request, calendar_feed.feed_reset(actor=request.user, staff=_me(request)).token)


urlpatterns: list[URLPattern | URLResolver] = [
    path("me/shifts/", MyShiftsView.as_view(), name="my-shifts"),
    path("me/calendar-feed/", CalendarFeedView.as_view(), name="my-calendar-feed"),
]


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router (none: plain views above)."""
